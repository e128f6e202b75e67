"""dlgrade's build backend: setuptools', with an editable install that costs other Python processes nothing.

``pip install -e .`` installs a ``.pth`` file that every Python process of the
environment runs at start (the ``grade`` client, the grading server, a notebook
kernel, pytest...).  Because ``[tool.setuptools.package-dir]`` maps the course
material into ``grader.course``, setuptools writes a finder module for it that
imports ``pathlib``, ``re``, ``urllib.parse`` and ``importlib.util``: about
20 ms of every process's start.  Its static alternative would put the whole
checkout on ``sys.path`` (``tests``, ``solutions``, ``bench`` importable from
anywhere), which we do not want either.

So ``build_editable`` lets setuptools build its editable wheel, then swaps its
finder module for a small one (same name: the ``.pth`` line is unchanged) that
finds only the top-level packages ``grader`` and ``reference`` in the checkout
and imports nothing at start.  The checkout needs no mapping: ``grader.course``
finds the material in its top-level folders.  Wheels, source archives and the
metadata hooks are setuptools' own.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile

from setuptools import build_meta

TOP_LEVEL = ("grader", "reference")  # the packages of pyproject.toml that are not mapped elsewhere
_FINDER_NAME = re.compile(r"__editable___[A-Za-z0-9_]+_finder\.py")

FINDER = '''"""The editable install of dlgrade: ``grader`` and ``reference`` from the checkout {root}.

Written by build_backend/dlgrade_build.py in place of setuptools' finder.  Only
these packages are found, after the interpreter's own finders; nothing else of
the checkout is importable, and nothing is imported at start.
"""

import sys

try:  # importlib.machinery's PathFinder, loaded already: importing importlib.machinery costs ~0.5 ms
    from _frozen_importlib_external import PathFinder
except ImportError:  # another interpreter than CPython
    from importlib.machinery import PathFinder

ROOT = {root!r}
NAMES = {names!r}


class DlgradeEditableFinder:
    """Find the top-level packages ``NAMES`` in ``ROOT``."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if path is None and fullname in NAMES:
            return PathFinder.find_spec(fullname, [ROOT], target)
        return None

    @staticmethod
    def invalidate_caches():
        pass


def install():
    if DlgradeEditableFinder not in sys.meta_path:
        sys.meta_path.append(DlgradeEditableFinder)
'''

get_requires_for_build_wheel = build_meta.get_requires_for_build_wheel
get_requires_for_build_sdist = build_meta.get_requires_for_build_sdist
get_requires_for_build_editable = build_meta.get_requires_for_build_editable
prepare_metadata_for_build_wheel = build_meta.prepare_metadata_for_build_wheel
prepare_metadata_for_build_editable = build_meta.prepare_metadata_for_build_editable
build_wheel = build_meta.build_wheel
build_sdist = build_meta.build_sdist


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, str | list[str]] | None = None,
    metadata_directory: str | None = None,
) -> str:
    """Setuptools' editable wheel, its finder module replaced by ``FINDER`` (see the module's docstring)."""
    name = build_meta.build_editable(wheel_directory, config_settings, metadata_directory)
    # PEP 517 runs the hooks in the project's root folder
    replace_finder(os.path.join(wheel_directory, name), os.path.realpath(os.getcwd()))
    return name


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}\n"


def replace_finder(wheel: str, root: str) -> bool:
    """Swap the finder module of the editable ``wheel`` for ``FINDER`` of ``root``; False if it has none.

    An editable wheel without a finder (setuptools' ``strict`` or ``compat``
    modes, asked for with ``--config-settings editable_mode=...``) is left as
    it is.  The wheel's ``RECORD`` is written anew for the new contents.
    """
    with zipfile.ZipFile(wheel) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    finders = [info.filename for info, _data in members if _FINDER_NAME.fullmatch(info.filename)]
    if len(finders) != 1:
        return False
    finder = FINDER.format(root=root, names=TOP_LEVEL).encode("utf-8")
    (record,) = [info.filename for info, _data in members if info.filename.endswith(".dist-info/RECORD")]
    lines = []
    written = wheel + ".part"
    with zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            if info.filename == record:
                continue
            if info.filename == finders[0]:
                data = finder
            archive.writestr(info, data)
            lines.append(_record_line(info.filename, data))
        archive.writestr(zipfile.ZipInfo(record, date_time=(1980, 1, 1, 0, 0, 0)), "".join(lines) + f"{record},,\n")
    os.replace(written, wheel)
    return True
