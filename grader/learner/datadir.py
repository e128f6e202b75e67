r"""Where a learner's progress goes outside a workspace: the user's data folder.

``grade quiz`` run outside a workspace (no ``exercises/`` here or above) must
not leave a ``.grade/`` folder wherever the learner happens to be, so its
progress goes to one folder per user, the one ``platformdirs.user_data_dir``
would name (a few lines, not a dependency)::

    DLGRADE_DATA_DIR                         when set (tests, a shared machine)
    $XDG_DATA_HOME/dlgrade                   Linux and other Unix, when XDG_DATA_HOME is absolute
    ~/.local/share/dlgrade                   Linux and other Unix otherwise
    ~/Library/Application Support/dlgrade    macOS
    %APPDATA%\dlgrade                        Windows

The folder is laid out like a workspace's state (``<folder>/.grade/...``), so
every reader of a workspace's progress (``grade list``, ``--review``) reads it
unchanged.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from grader.errors import GraderError

DATA_DIR_VARIABLE = "DLGRADE_DATA_DIR"
APP_NAME = "dlgrade"


def user_data_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """The learner's data folder for ``dlgrade`` (it may not exist yet); see the module docstring."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    override = environ.get(DATA_DIR_VARIABLE, "")
    if override:
        return Path(override).expanduser().absolute()
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or Path.home())
    if platform.startswith("win"):
        appdata = environ.get("APPDATA", "")
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / APP_NAME
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    xdg = environ.get("XDG_DATA_HOME", "")
    # the XDG spec: a relative path is invalid and must be ignored
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share") / APP_NAME


def ensure_writable(folder: Path) -> Path:
    """Make ``folder`` (and its parents) and check a file can be written in it; return it.

    Raises
    ------
    GraderError
        The folder can not be made or written, with what to do about it.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise GraderError(
            f"can not keep your progress in {folder}: {reason}; set {DATA_DIR_VARIABLE} to a folder you can "
            "write to, or cd into your workspace (grade init DIR makes one)",
            ja=f"{folder} に進み具合を保存できません: {reason}。書き込めるフォルダを {DATA_DIR_VARIABLE} に"
            "設定するか、ワークスペースに移動してください(grade init DIR で作成できます)",
        ) from problem
    return folder
