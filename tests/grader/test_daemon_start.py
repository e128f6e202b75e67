"""How the grading server starts (issue 17's cold start): without ``site``, the zygote before the rest.

The server is started with ``python -S`` and the folders the client's ``site``
found (never the client's own first ``sys.path`` entry: a learner's folder
there must not be searched); it starts its zygote before importing more than it
needs to hold the workspace's lock.  Behaviour through the server is covered by
test_server.py.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import launch

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")


@pytest.fixture
def workspace(tmp_path) -> Path:
    path = tmp_path / "ws"
    (path / "exercises").mkdir(parents=True)
    (path / "exercises" / "ex01_activations.py").write_text(SOLUTION, encoding="utf-8")
    return path


def _served(runtime: Path, workspace: Path, client_code: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``grade exercise 1`` through a client running ``client_code`` first; the server's ``sys.path``."""
    completed = subprocess.run(
        [sys.executable, "-c", f"{client_code}; from grader.launch import run; run()", "exercise", "1"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=60,
    )
    logged = next((runtime / "dlgrade").glob("*.log")).read_text()
    return completed, ast.literal_eval(logged.split("modules from ", 1)[1].splitlines()[0])


def test_the_server_runs_without_site_on_the_folders_site_gave_the_client(runtime, workspace):
    completed, path = _served(runtime, workspace, "import sys")
    assert completed.returncode == 0, completed.stderr
    assert "every check passed" in completed.stdout
    answer = launch.ask(launch.socket_path(str(runtime / "dlgrade"), str(workspace.resolve())), "status")
    assert answer is not None
    command = Path(f"/proc/{answer['pid']}/cmdline").read_bytes().split(b"\0")
    assert command[1:3] == [b"-S", b"-c"]  # no site: no .pth file runs in the server
    import numpy

    # NumPy (site-packages) is found, from the client's own folders, and never the learner's folder
    assert str(Path(numpy.__file__).resolve().parents[1]) in [str(Path(entry).resolve()) for entry in path]
    assert path[0] == str(ROOT)
    assert "" not in path
    assert str(workspace) not in path
    # one key for client and server: the server's sys.prefix is the client's (a venv's, which site sets)
    assert answer["version"] == launch.version_key()


def test_the_server_runs_one_blas_thread_whatever_the_client_asked(runtime, workspace, monkeypatch):
    # OpenBLAS's threads spin at NumPy's import: on a cold start that is CPU the zygote's import needs
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    completed, _path = _served(runtime, workspace, "import sys")
    assert completed.returncode == 0, completed.stderr
    answer = launch.ask(launch.socket_path(str(runtime / "dlgrade"), str(workspace.resolve())), "status")
    assert answer is not None
    environ = dict(
        entry.split(b"=", 1)
        for entry in Path(f"/proc/{answer['pid']}/environ").read_bytes().split(b"\0")
        if b"=" in entry
    )
    for variable in launch.SERVER_THREAD_VARIABLES:
        assert environ[variable.encode()] == b"1"
    # NumPy was imported during the grading, in the client's environment but for these: the server's
    # threads are its main thread and the sandbox pool's reader, no BLAS thread (4 asked: one per core
    # but the first)
    assert len(os.listdir(f"/proc/{answer['pid']}/task")) == 2


def test_the_clients_first_path_entry_a_learners_folder_is_never_the_servers(runtime, workspace):
    # as for ``python -m`` or a script in the learner's folder: the client's sys.path[0] is that folder
    marker = workspace / "imported"
    for name in ("click", "numpy", "jinja2"):
        (workspace / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    completed, path = _served(runtime, workspace, f"import sys; sys.path[0] = {str(workspace)!r}")
    assert completed.returncode == 0, completed.stderr
    assert "every check passed" in completed.stdout
    assert str(workspace) not in path
    assert not marker.exists()


def test_the_server_module_imports_no_socket_or_typing_before_its_zygote_is_started():
    # what runs before the zygote's start (the lock, the log): the heavier modules come after it
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import grader.daemon, grader.sandbox.spawn; "
        "print(sorted({'socket', 'typing', 'subprocess', 'numpy', 'click'} & set(sys.modules)))"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert completed.stdout.split("\n")[0] == "['subprocess']"  # the zygote is started through subprocess


def test_the_sandbox_server_module_loads_none_of_the_standard_library_numpy_does_not_need():
    # every zygote (and every sandbox server of a grading without a pool) runs it before NumPy: importlib.abc
    # alone would bring importlib.resources, pathlib and tempfile (~15 ms of each start)
    from grader.sandbox import spawn

    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('sandbox_server', {spawn.CHILD_SCRIPT!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted({'importlib.abc', 'importlib.resources', 'pathlib', 'tempfile', 'shutil'} & set(sys.modules)))"
    )
    command = [sys.executable, "-I", "-S", "-c", code]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, env=spawn.child_environment())
    assert completed.stdout.strip() == "[]"


def test_what_the_grading_server_loads_before_its_first_request_leaves_out_the_typo_helper():
    # difflib (a few milliseconds) serves only a mistyped command's "did you mean": not loaded on every start
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import grader.daemon, grader.cli, grader.grading.engine; "
        "import grader.sandbox.client; print('difflib' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert completed.stdout.strip() == "False"
