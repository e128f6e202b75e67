"""Grading servers in tests: a private runtime folder, and stopping every server started in it.

``runtime`` is a fixture for every test of tests/grader (conftest.py); a test
that starts servers by hand waits for one to go with ``wait_gone``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from grader import launch


@pytest.fixture
def runtime(monkeypatch):
    """A private runtime folder (short: a socket path has at most 107 bytes); its servers stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="dg-", dir="/tmp"))
    folder.chmod(0o700)
    monkeypatch.delenv("DLGRADE_NO_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv("DLGRADE_SERVER_IDLE", "120")  # a server a failed test leaves behind goes by itself
    monkeypatch.setenv("GRADE_LANG", "en")
    yield folder
    stop_all(folder)
    shutil.rmtree(folder, ignore_errors=True)


def stop_all(folder: Path) -> None:
    for path in sorted((folder / "dlgrade").glob("*.sock")):
        answer = launch.ask(str(path), "status", busy=lambda pid, state: not launch.stopped(state))
        if answer is not None and "busy" in answer:  # one a test stopped (SIGSTOP) would never answer
            launch.terminate(int(answer["busy"]))  # type: ignore[arg-type]
            continue
        launch.ask(str(path), "stop")
        if answer is not None:
            wait_gone(int(answer["pid"]))  # type: ignore[arg-type]


def wait_gone(pid: int, seconds: float = 10.0) -> None:
    if not launch.gone_within(pid, seconds):  # a zombie counts as gone: only its parent (init) is not yet told
        raise AssertionError(f"process {pid} is still running")
