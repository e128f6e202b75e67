"""The warm grading server (grader.launch, grader.daemon): started, reused, replaced, and as strict as without it.

Every test runs ``grade`` as a learner does, in a subprocess, with its own
runtime folder (XDG_RUNTIME_DIR), and stops every server it started.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import pty
import re
import select
import shutil
import signal
import site
import socket
import stat
import subprocess
import sys
import textwrap
import time
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import wait_gone

from grader import launch
from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
CLIENT = [sys.executable, "-c", "from grader.launch import run; run()"]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")


def make_workspace(path: Path) -> Path:
    (path / "exercises").mkdir(parents=True)
    (path / "exercises" / "ex01_activations.py").write_text(SOLUTION, encoding="utf-8")
    shutil.copy(ROOT / "exercises" / "ex02_softmax_loss.py", path / "exercises")  # the stub: fails
    return path


@pytest.fixture
def workspace(tmp_path) -> Path:
    return make_workspace(tmp_path / "ws")


def grade(*args: str, cwd: Path, env: dict[str, str] | None = None, client: list[str] = CLIENT):
    return subprocess.run(
        [*client, *args], cwd=cwd, capture_output=True, text=True, env=env or dict(os.environ), timeout=60
    )


def status(runtime: Path, workspace: Path) -> dict | None:
    return launch.ask(launch.socket_path(str(runtime / "dlgrade"), str(workspace.resolve())), "status")


def graded_again_by_a_new_server(runtime: Path, workspace: Path, served: dict, first, *args: str) -> dict:
    """Stop the server ``served``, grade ``args`` again (a new server starts, with the same answer as ``first``).

    The new server's status.
    """
    assert grade("server", "stop", cwd=workspace).returncode == 0
    wait_gone(int(served["pid"]))
    again = grade(*args, cwd=workspace)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    restarted = status(runtime, workspace)
    assert restarted is not None
    assert restarted["pid"] != served["pid"]
    return restarted


# --- start, reuse, same answers as without the server -------------------------------------------------


def test_first_grading_starts_a_server_the_next_reuse_it_with_the_same_output(runtime, workspace):
    assert status(runtime, workspace) is None
    first = grade("exercise", "1", cwd=workspace)
    assert first.returncode == 0, first.stderr
    started = status(runtime, workspace)
    assert started is not None
    assert started["requests"] == 1
    assert started["workspace"] == str(workspace.resolve())

    again = grade("exercise", "1", cwd=workspace / "exercises")  # anywhere inside the workspace
    local = grade("exercise", "1", "--no-server", cwd=workspace)
    assert (again.returncode, again.stdout, again.stderr) == (local.returncode, local.stdout, local.stderr)
    assert "every check passed" in again.stdout

    failing = grade("exercise", "2", cwd=workspace)
    failing_local = grade("exercise", "2", cwd=workspace, env={**os.environ, "DLGRADE_NO_SERVER": "1"})
    assert failing.returncode == failing_local.returncode == 1
    assert failing.stdout == failing_local.stdout
    assert "TODO" in failing.stdout
    usage = grade("exercise", "99", cwd=workspace)
    assert usage.returncode == grade("exercise", "99", "--no-server", cwd=workspace).returncode == 2
    assert "no exercise 99" in usage.stderr or "99" in usage.stderr

    reused = status(runtime, workspace)
    assert reused is not None
    assert reused["pid"] == started["pid"]
    assert reused["requests"] == 4


def test_runtime_folder_is_private_and_the_socket_is_0600(runtime, workspace):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    logged = next((runtime / "dlgrade").glob("*.log")).read_text()
    path = ast.literal_eval(logged.split("modules from ", 1)[1].splitlines()[0])
    assert "" not in path  # the learner's folder (the server's folder during a request) is never searched
    assert str(workspace) not in path
    folder = runtime / "dlgrade"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (sock,) = folder.glob("*.sock")
    assert stat.S_ISSOCK(sock.lstat().st_mode)
    assert stat.S_IMODE(sock.lstat().st_mode) == 0o600
    assert stat.S_IMODE(next(folder.glob("*.log")).stat().st_mode) == 0o600


def test_the_server_is_detached_and_holds_none_of_the_clients_descriptors(runtime, workspace):
    read_end, write_end = os.pipe()  # as a shell's 3>&1, or a test harness's pipe, would leave one
    os.set_inheritable(write_end, True)
    try:
        done = subprocess.run(
            [*CLIENT, "exercise", "1"],
            cwd=workspace,
            pass_fds=(write_end,),
            capture_output=True,
            timeout=60,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # as `grade ... &` in a script
        )
    finally:
        os.close(write_end)
    try:
        assert done.returncode == 0, done.stderr
        started = status(runtime, workspace)
        assert started is not None
        pid = int(started["pid"])  # type: ignore[arg-type]
        ready, _, _ = select.select([read_end], [], [], 10)
        assert ready, "the server holds the client's pipe open"
        assert os.read(read_end, 1) == b""  # end of file: nobody holds its write end any more
    finally:
        os.close(read_end)
    assert os.getsid(pid) == pid  # a session of its own: the terminal's Ctrl-C or hang-up does not reach it
    assert os.readlink(f"/proc/{pid}/cwd") == str(runtime / "dlgrade")  # not the learner's folder
    assert os.readlink(f"/proc/{pid}/fd/0") == os.devnull
    ignored = int(re.search(r"SigIgn:\s*([0-9a-f]+)", Path(f"/proc/{pid}/status").read_text())[1], 16)
    assert not ignored & (1 << (signal.SIGINT - 1))  # a client's Ctrl-C can stop a grading (daemon.Interrupter)
    # where a cold start's time goes, counted from the client's start of the server
    logged = Path(str(started["log"])).read_text()
    assert re.search(r"started: zygote after \d+\.\d{3} s, ready after \d+\.\d{3} s", logged)
    assert re.search(r"exercise 1 in .+: exit 0 after \d+\.\d{3} s, \d+\.\d{3} s after the start", logged)


def test_requests_in_a_row_do_not_leak_environment_or_folder(runtime, workspace):
    japanese = grade("exercise", "2", cwd=workspace / "exercises", env={**os.environ, "GRADE_LANG": "ja"})
    english = grade("exercise", "2", cwd=workspace)
    assert "合格" in japanese.stdout or "未" in japanese.stdout
    assert english.stdout == grade("exercise", "2", "--no-server", cwd=workspace).stdout
    assert not any("\u3040" <= character <= "\u30ff" for character in english.stdout)
    hint = grade("hint", "2", cwd=workspace)
    assert hint.returncode == 0
    assert "hint 1 of" in hint.stdout
    assert (workspace / ".grade").is_dir()  # recorded in the client's workspace, not the server's folder


def test_the_servers_environment_becomes_exactly_each_clients():
    """Only the variables that differ change, and the environment a child inherits is the client's."""
    from grader import daemon

    saved = dict(os.environ)
    wanted = {name: value for name, value in saved.items() if name != "HOME"}
    wanted.update({"DLGRADE_TEST_CHANGED": "new", "DLGRADE_TEST_ADDED": "1"})
    show = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
    try:
        os.environ.update({"DLGRADE_TEST_CHANGED": "old", "DLGRADE_TEST_GONE": "x"})
        daemon._set_environ(wanted)
        assert dict(os.environ) == wanted
        # a child started with no env= inherits the C library's environment: set and unset there too
        child = json.loads(subprocess.run(show, capture_output=True, text=True, check=True).stdout)
        assert {name: child.get(name) for name in wanted} == wanted
        assert "DLGRADE_TEST_GONE" not in child
        assert "HOME" not in child
        daemon._set_environ(saved)
        assert dict(os.environ) == saved
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_preloading_the_checks_stops_for_a_waiting_client_and_goes_on_after_it(tmp_path):
    """After its first grading the server imports every exercise's checks, but never while a client waits."""
    from grader import daemon
    from grader.grading.engine import EXERCISES

    server = daemon.Server.__new__(daemon.Server)  # only what preload uses: no zygote, no log
    server.to_preload = None
    with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as client:
        listener.bind(str(tmp_path / "s.sock"))
        listener.listen()
        server.listener = listener
        client.connect(str(tmp_path / "s.sock"))  # the learner's next grade, come before the imports
        server.preload()
        assert server.to_preload == [exercise.checks_module for exercise in EXERCISES.values()]
        listener.accept()[0].close()  # served
        server.preload()
        assert server.to_preload == []


def test_colour_on_a_terminal_as_without_the_server(runtime, workspace):
    def on_a_terminal(*args: str) -> bytes:
        leader, follower = pty.openpty()
        process = subprocess.Popen([*CLIENT, *args], cwd=workspace, stdin=follower, stdout=follower, stderr=follower)
        os.close(follower)
        output = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            try:
                chunk = os.read(leader, 65536) if ready else b""
            except OSError:  # EIO: every writer closed the terminal
                chunk = b""
            if not chunk:
                break
            output += chunk
        os.close(leader)
        assert process.wait(timeout=30) == 1
        # the live "grading: ..." status line comes and goes with the time taken: left out
        return re.sub(rb"\r[^\r\n]*\x1b\[K", b"", output)

    served = on_a_terminal("exercise", "2")
    assert status(runtime, workspace) is not None
    assert b"\x1b[" in served
    assert served == on_a_terminal("exercise", "2", "--no-server")
    assert b"\x1b[" not in grade("exercise", "2", cwd=workspace).stdout.encode()  # a pipe: no colour


# --- replaced when stale, dead or of another version ---------------------------------------------------


def test_a_killed_server_is_replaced_without_a_word(runtime, workspace):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    first = status(runtime, workspace)
    assert first is not None
    os.kill(int(first["pid"]), signal.SIGKILL)
    wait_gone(int(first["pid"]))
    after = grade("exercise", "1", cwd=workspace)
    assert after.returncode == 0
    assert after.stderr == ""
    assert "every check passed" in after.stdout
    second = status(runtime, workspace)
    assert second is not None
    assert second["pid"] != first["pid"]
    assert second["requests"] == 1


def test_a_server_that_dies_during_a_grading_says_so_and_does_not_grade_again(runtime, workspace):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    pid = int(status(runtime, workspace)["pid"])  # type: ignore[index]
    path = workspace / "exercises" / "ex01_activations.py"
    path.write_text(SOLUTION + "\ndef relu(x):\n    while True:\n        pass\n", encoding="utf-8")
    client = subprocess.Popen(
        [*CLIENT, "exercise", "1", "--timeout", "20"], cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    log = next((runtime / "dlgrade").glob("*.log"))
    deadline = time.monotonic() + 20
    while log.read_text().count(": started") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    out, err = client.communicate(timeout=20)
    assert client.returncode == 3
    assert b"the grading server stopped before it finished" in err
    assert b"relu" not in out  # not graded a second time in the client's process
    wait_gone(pid)


def test_a_socket_file_left_by_a_dead_process_is_replaced(runtime, workspace):
    folder = runtime / "dlgrade"
    folder.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(launch.socket_path(str(folder), str(workspace.resolve())))
    stale.close()  # the file stays; nobody listens
    done = grade("exercise", "1", cwd=workspace)
    assert done.returncode == 0
    assert done.stderr == ""
    assert status(runtime, workspace) is not None


def test_unusable_files_where_the_server_keeps_its_own_are_set_aside(runtime, workspace):
    folder = runtime / "dlgrade"
    folder.mkdir(mode=0o700)
    base = launch.socket_path(str(folder), str(workspace.resolve()))[: -len(".sock")]
    for suffix in (".sock", ".lock", ".log"):
        Path(base + suffix).mkdir()  # folders where files belong
        (Path(base + suffix) / "x").write_text("x")
    done = grade("exercise", "1", cwd=workspace)
    assert done.returncode == 0
    assert done.stderr == ""
    assert status(runtime, workspace) is not None
    assert len(list(folder.glob("*.set-aside-*"))) == 3
    assert "set aside as" in Path(base + ".log").read_text()


def test_another_grader_version_restarts_the_server(runtime, workspace, tmp_path):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    old = status(runtime, workspace)
    # another interpreter path is another version key (as a reinstalled or edited grader is); the same
    # packages, found through PYTHONPATH, as the link is outside the virtual environment
    other_python = tmp_path / "python3"
    other_python.symlink_to(os.path.realpath(sys.executable))
    client = [str(other_python), *CLIENT[1:]]
    paths = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    done = grade("exercise", "1", cwd=workspace, client=client, env={**os.environ, "PYTHONPATH": paths})
    assert (done.returncode, done.stderr) == (0, "")
    new = status(runtime, workspace)
    assert old is not None
    assert new is not None
    assert new["pid"] != old["pid"]
    assert new["version"] != old["version"]
    assert new["requests"] == 1
    wait_gone(int(old["pid"]))


def test_a_changed_check_source_restarts_the_server_and_a_bytecode_cache_does_not(runtime, workspace, tmp_path):
    """The server watches the grader's sources: the next client after a change gets a fresh server, at once."""
    # a copy of the grader, found first through PYTHONPATH: changing the real sources would restart other tests'
    copy = tmp_path / "copy"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("grader", "reference", "hints"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    for folder in ("exercises", "quizzes"):  # the course material, which the server does not watch
        (copy / folder).symlink_to(ROOT / folder)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy), *site.getsitepackages()])}
    first = grade("exercise", "1", cwd=workspace, env=env)
    assert first.returncode == 0, first.stderr
    old = status(runtime, workspace)
    assert old is not None
    assert grade("exercise", "1", cwd=workspace, env=env).returncode == 0
    (copy / "grader" / "checks" / "__pycache__").mkdir(exist_ok=True)
    (copy / "grader" / "checks" / "__pycache__" / "stray.cpython-311.pyc").write_bytes(b"cache")
    assert grade("exercise", "1", cwd=workspace, env=env).returncode == 0
    same = status(runtime, workspace)
    assert same is not None
    assert (same["pid"], same["requests"]) == (old["pid"], 3)  # reused: a bytecode cache is no change
    check = copy / "grader" / "checks" / "ex01_activations.py"
    check.write_text(check.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = grade("exercise", "1", cwd=workspace, env=env)
    assert (again.returncode, again.stdout, again.stderr) == (first.returncode, first.stdout, first.stderr)
    new = status(runtime, workspace)
    assert new is not None
    assert new["pid"] != old["pid"]
    assert new["version"] != old["version"]  # its sources' fingerprint is the edited one
    assert new["requests"] == 1
    wait_gone(int(old["pid"]))


def test_a_new_server_starts_its_first_grading_on_the_plan_the_last_one_kept(runtime, workspace):
    """The manifest of each exercise's first grading is kept; the next server runs it while it builds the checks."""
    first = grade("exercise", "2", cwd=workspace)
    assert first.returncode == 1
    served = status(runtime, workspace)
    assert served is not None
    assert served["plan_runs"] == {"adopted": 0, "stopped": 0}
    folder = Path(str(served["socket"])[: -len(".sock")] + ".plans")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [kept] = folder.iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    restarted = graded_again_by_a_new_server(runtime, workspace, served, first, "exercise", "2")
    assert restarted["plan_runs"] == {"adopted": 1, "stopped": 0}
    # a plan edited by hand runs, is stopped, and changes nothing
    head, _, body = kept.read_bytes().partition(b"\n")
    header = json.loads(head)
    header["manifest"]["jobs"] = 1
    kept.write_bytes(json.dumps(header).encode() + b"\n" + body)
    edited = graded_again_by_a_new_server(runtime, workspace, restarted, first, "exercise", "2")
    assert edited["plan_runs"] == {"adopted": 0, "stopped": 1}


def test_the_version_key_follows_the_grader_sources(tmp_path):
    # a copy of the sources' shape: touching the real ones would restart other tests' servers
    (tmp_path / "checks" / "__pycache__").mkdir(parents=True)
    check = tmp_path / "checks" / "ex01_activations.py"
    check.write_text("x = 1\n")
    before = launch.sources_fingerprint([str(tmp_path)])
    (tmp_path / "checks" / "__pycache__" / "ex01_activations.cpython-311.pyc").write_bytes(b"cache")
    assert launch.sources_fingerprint([str(tmp_path)]) == before  # a bytecode cache is not a change
    found = check.stat()
    os.utime(check, ns=(found.st_atime_ns, found.st_mtime_ns + 1_000_000_000))
    assert launch.sources_fingerprint([str(tmp_path)]) != before
    os.utime(check, ns=(found.st_atime_ns, found.st_mtime_ns))
    assert launch.sources_fingerprint([str(tmp_path)]) == before
    check.write_text("x = 2\n")  # same size, maybe the same second: the size and nanoseconds still differ
    (tmp_path / "new.md").write_text("hint")
    assert launch.sources_fingerprint([str(tmp_path)]) != before
    assert launch.version_key() == launch.version_key()
    assert launch.client_key() == launch.client_key()
    assert launch.client_key() != launch.version_key()  # the client's leaves the sources to the server


def _page_faults(pid: int) -> int:
    """Minor page faults of process ``pid`` so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as handle:
        return int(handle.read().rsplit(")", 1)[1].split()[7])


def _settled_page_faults(pid: int) -> int:
    """``_page_faults`` once the server is idle: its work between requests (importing the other exercises'
    checks, one module at a time) done, the count the same for half a second."""
    last, same_since, deadline = _page_faults(pid), time.monotonic(), time.monotonic() + 30
    while time.monotonic() - same_since < 0.5 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = _page_faults(pid)
        if now != last:
            last, same_since = now, time.monotonic()
    return last


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt and /proc")
def test_a_warm_server_keeps_freed_memory_for_the_next_grading(runtime, workspace):
    # exercise 9 judges weights of 100,000 values: mapped afresh and unmapped again by default, 500-900 page
    # faults of the server's a grading (measured: a few once it keeps freed memory)
    shutil.copy(ROOT / "solutions" / "ex09_init_regularization.py", workspace / "exercises")
    for _ in range(3):
        assert grade("exercise", "9", cwd=workspace).returncode == 0
    served = status(runtime, workspace)
    assert served is not None
    counts = []  # of two gradings: either may meet a new high of the heap, or other work of the machine's
    for _ in range(2):
        before = _settled_page_faults(int(served["pid"]))
        assert grade("exercise", "9", cwd=workspace).returncode == 0
        counts.append(_settled_page_faults(int(served["pid"])) - before)
    assert min(counts) < 100, counts


def test_two_workspaces_two_servers(runtime, tmp_path):
    one, two = make_workspace(tmp_path / "one"), make_workspace(tmp_path / "two")
    assert grade("exercise", "1", cwd=one).returncode == 0
    assert grade("exercise", "1", cwd=two).returncode == 0
    first, second = status(runtime, one), status(runtime, two)
    assert first is not None
    assert second is not None
    assert first["pid"] != second["pid"]
    assert first["socket"] != second["socket"]
    assert first["requests"] == second["requests"] == 1


def test_concurrent_clients_are_all_answered_by_one_server(runtime, workspace):
    clients = [
        subprocess.Popen([*CLIENT, "exercise", str(number)], cwd=workspace, stdout=subprocess.PIPE, text=True)
        for number in (1, 2, 1)
    ]
    outputs = [(client.communicate(timeout=60)[0], client.returncode) for client in clients]
    assert [code for _, code in outputs] == [0, 1, 0]
    assert "every check passed" in outputs[0][0]
    assert "every check passed" in outputs[2][0]
    assert "TODO" in outputs[1][0]
    served = status(runtime, workspace)
    assert served is not None
    assert served["requests"] == 3
    assert len(list((runtime / "dlgrade").glob("*.sock"))) == 1


# --- status, stop, fallbacks, hostile input to the server ----------------------------------------------


def test_status_and_stop_commands(runtime, workspace):
    none = grade("server", "status", cwd=workspace)
    assert none.returncode == 0
    assert "No grading server" in none.stdout
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    running = grade("server", "status", cwd=workspace)
    pid = status(runtime, workspace)["pid"]  # type: ignore[index]
    assert f"running, pid {pid}" in running.stdout
    assert "1 gradings served" in running.stdout
    stopped = grade("server", "stop", cwd=workspace)
    assert f"pid {pid}" in stopped.stdout
    wait_gone(int(pid))
    assert "No grading server" in grade("server", "status", cwd=workspace).stdout
    # --all stops every server of this user, also those in /tmp/dlgrade-<uid> (where one started without
    # XDG_RUNTIME_DIR lives: CI's command 1 leaves one there), so the test looks for its own server only
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    again = status(runtime, workspace)["pid"]  # type: ignore[index]
    assert again != pid
    assert f"pid {again}" in grade("server", "stop", "--all", cwd=workspace).stdout
    wait_gone(int(again))
    assert "No grading server" in grade("server", "status", cwd=workspace).stdout
    typo = grade("server", "stat", cwd=workspace)
    assert typo.returncode == 2
    assert "Did you mean 'grade server status'?" in typo.stderr
    outside = grade("server", "status", cwd=runtime)
    assert outside.returncode == 2
    assert "exercises/" in outside.stderr


ENDLESS_RELU = SOLUTION + "\ndef relu(x):\n    while True:\n        pass\n"


def hang_the_server(runtime: Path, workspace: Path, seconds: int) -> tuple[subprocess.Popen, int]:
    """A client whose grading keeps the workspace's server busy (relu loops to the limit); the server's pid."""
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    pid = int(status(runtime, workspace)["pid"])  # type: ignore[index]
    hanging = workspace / "hanging" / "ex01_activations.py"
    hanging.parent.mkdir()
    hanging.write_text(ENDLESS_RELU, encoding="utf-8")
    client = subprocess.Popen(
        [*CLIENT, "exercise", "1", "--file", str(hanging), "--timeout", str(seconds)],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = next((runtime / "dlgrade").glob("*.log"))
    deadline = time.monotonic() + 30
    while log.read_text().count(": started") < 2:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)
    return client, pid


def first_line(stream, seconds: float = 30.0) -> str:
    """The next line a running process writes to ``stream`` (a pipe), waiting at most ``seconds``."""
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, f"no line in {seconds} s"
    return stream.readline()


def test_a_busy_server_is_reported_at_once_and_a_waiting_client_says_why_it_waits(runtime, workspace):
    hanging, pid = hang_the_server(runtime, workspace, seconds=6)
    busy = grade("server", "status", cwd=workspace)
    assert hanging.poll() is None  # answered while the server still grades, not after
    assert busy.returncode == 0
    assert f"running, pid {pid}, busy with a grading" in busy.stdout
    waiting = grade("exercise", "1", "--lang", "ja", cwd=workspace)  # served once the hanging grading ends
    assert hanging.wait(timeout=60) == 1
    assert waiting.returncode == 0
    assert f"採点サーバー (pid {pid}) は別の採点の途中です" in waiting.stderr
    assert waiting.stderr.count("grade:") == 1  # said once
    assert "すべてのチェックに合格しました" in waiting.stdout
    assert status(runtime, workspace)["requests"] == 3  # type: ignore[index]


def test_stop_waits_for_the_grading_a_busy_server_runs(runtime, workspace):
    hanging, pid = hang_the_server(runtime, workspace, seconds=3)
    stopped = grade("server", "stop", cwd=workspace)
    assert stopped.returncode == 0
    assert f"Grading server pid {pid} is busy with a grading; it stops once that ends" in stopped.stderr
    assert f"Stopped 1 grading server(s): pid {pid}" in stopped.stdout
    out, err = hanging.communicate(timeout=60)
    assert hanging.returncode == 1, err  # its grading was finished, not cut short
    assert "relu" in out
    assert "the grading server stopped" not in err
    wait_gone(pid)


def test_a_server_stopped_by_a_signal_is_named_and_stop_ends_it(runtime, workspace):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    pid = int(status(runtime, workspace)["pid"])  # type: ignore[index]
    os.kill(pid, signal.SIGSTOP)
    try:
        waiting = subprocess.Popen(
            [*CLIENT, "exercise", "1"], cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        notice = first_line(waiting.stderr)
        assert f"(pid {pid}) is stopped by a signal" in notice
        assert f"kill -CONT {pid}" in notice
        shown = grade("server", "status", cwd=workspace)
        assert f"pid {pid}, stopped by a signal" in shown.stdout
        assert launch.process_state(pid) == "T"  # status looked, and left it as it was
        stopped = grade("server", "stop", cwd=workspace)
        assert f"Stopped 1 grading server(s): pid {pid}" in stopped.stdout
        wait_gone(pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    out, err = waiting.communicate(timeout=60)
    # its request was never begun: the stopped server's end sent it on to a new one, which graded it
    assert waiting.returncode == 0, err
    assert "every check passed" in out
    assert int(status(runtime, workspace)["pid"]) != pid  # type: ignore[index]


def test_a_server_ended_by_sigterm_ends_its_sandbox_and_leaves_no_folder_of_it(runtime, workspace):
    """``kill PID`` (as a shutdown does): the zygote and its folder of inputs and kept code go with the server."""
    from grader.sandbox import spawn

    assert grade("exercise", "1", cwd=workspace).returncode == 0
    pid = int(status(runtime, workspace)["pid"])  # type: ignore[index]
    pools = list(Path(spawn.scratch_root()).glob(f"grade-pool-{pid}-*"))
    assert len(pools) == 1, pools  # the warm pool's folder, in memory-backed /dev/shm when there is one
    assert (pools[0] / "inputs").is_dir()
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "no zygote under the server"
    os.kill(pid, signal.SIGTERM)
    wait_gone(pid)
    for child in children:
        wait_gone(int(child))
    assert not pools[0].exists()
    assert grade("exercise", "1", cwd=workspace).returncode == 0  # and the next client starts a fresh one


def test_a_server_ended_by_sigterm_during_a_grading_leaves_no_process_or_folder_of_it(runtime, workspace):
    """Killed while a submission spins: the client says the server stopped; its sandbox and every folder go too."""
    from hostile_routes import descendants

    from grader.sandbox import spawn

    assert grade("exercise", "1", cwd=workspace).returncode == 0
    pid = int(status(runtime, workspace)["pid"])  # type: ignore[index]
    (workspace / "exercises" / "ex01_activations.py").write_text("def relu(x):\n    while True:\n        pass\n")
    client = subprocess.Popen(
        [*CLIENT, "exercise", "1", "--timeout", "30"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    root = Path(spawn.scratch_root())
    deadline = time.monotonic() + 30
    # the grading's own folder (the learner's files, the results), beside the pool's
    while not list(root.glob(f"grade-{pid}-*/learner")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(root.glob(f"grade-{pid}-*/learner")), "the grading never started"
    time.sleep(0.3)  # into relu's endless loop
    below = descendants(pid)
    assert len(below) >= 3  # the zygote, the submission's server (and its namespace's PID 1), its worker
    os.kill(pid, signal.SIGTERM)
    _out, err = client.communicate(timeout=30)
    assert client.returncode == 3, err
    assert "the grading server stopped before it finished" in err
    wait_gone(pid)
    for process in below:
        wait_gone(process)
    assert list(root.glob(f"grade-{pid}-*")) == []
    assert list(root.glob(f"grade-pool-{pid}-*")) == []


def test_stop_all_goes_on_past_a_stopped_server_it_could_not_end(runtime, workspace, tmp_path, monkeypatch):
    other = make_workspace(tmp_path / "other")
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    assert grade("exercise", "1", cwd=other).returncode == 0
    stuck, running = (int(status(runtime, place)["pid"]) for place in (workspace, other))  # type: ignore[index]
    folder = str(runtime / "dlgrade")
    first = launch.socket_path(folder, str(workspace.resolve()))
    os.kill(stuck, signal.SIGSTOP)
    try:
        with monkeypatch.context() as patch:  # as a process that SIGKILL does not end (stuck in the kernel)
            patch.chdir(workspace)
            patch.setattr(launch, "terminate", lambda pid, seconds=5.0: False)
            patch.setattr(launch, "servers", lambda: [first, launch.socket_path(folder, str(other.resolve()))])
            done = CliRunner().invoke(main, ["server", "stop", "--all"])
        assert done.exit_code == 3
        assert f"kill -KILL {stuck}" in done.output
        assert f"Stopped 1 grading server(s): pid {running}" in done.output  # the one after it was stopped
        wait_gone(running)
        assert launch.stopped(launch.process_state(stuck))
    finally:
        launch.terminate(stuck)
    wait_gone(stuck)


def test_terminate_signals_only_a_grading_server():
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert launch.terminate(other.pid, seconds=0.1) is False
        assert other.poll() is None
        os.kill(other.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 10
        while launch.process_state(other.pid) != "T":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert launch.stopped(launch.process_state(other.pid))
    finally:
        other.kill()
        other.wait()
    assert launch.process_state(other.pid) == ""
    assert launch.process_state(os.getpid()) in ("R", "S")


@pytest.mark.parametrize(
    ("argv", "environ", "language"),
    [
        (["exercise", "1", "--lang", "ja"], {"GRADE_LANG": "en"}, "ja"),
        (["exercise", "1", "--lang=ja"], {"GRADE_LANG": "en"}, "ja"),
        (["exercise", "1", "--lang", "en"], {"GRADE_LANG": "ja"}, "en"),
        (["exercise", "1", "--lang"], {"GRADE_LANG": "ja"}, "ja"),
        (["exercise", "1", "--lang", "xx"], {"GRADE_LANG": "ja"}, "ja"),
        (["exercise", "1"], {"GRADE_LANG": "ja"}, "ja"),
        (["exercise", "1"], {"GRADE_LANG": "en"}, "en"),
    ],
)
def test_a_waiting_clients_notice_is_in_the_commands_language(argv, environ, language, monkeypatch):
    monkeypatch.setenv("GRADE_LANG", environ["GRADE_LANG"])
    assert launch._language(argv) == language


def test_outside_a_workspace_or_with_no_server_nothing_is_started(runtime, tmp_path, workspace):
    lone = tmp_path / "ex01_activations.py"
    lone.write_text(SOLUTION, encoding="utf-8")
    assert grade("exercise", "1", "--file", str(lone), cwd=tmp_path).returncode == 0
    assert grade("exercise", "1", "--no-server", cwd=workspace).returncode == 0
    helped = grade("exercise", "--help", cwd=workspace)
    assert helped.returncode == 0
    assert "--no-server" in helped.stdout
    assert grade("list", cwd=workspace).returncode == 0
    closed_stdin = subprocess.run(
        ["sh", "-c", 'exec 0<&- && exec "$@"', "sh", *CLIENT, "exercise", "1"], cwd=workspace, capture_output=True
    )
    assert closed_stdin.returncode == 0  # a stream that can not be passed on: graded here
    assert not list(runtime.glob("dlgrade/*.sock"))


def test_garbage_sent_to_the_server_harms_nothing(runtime, workspace):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    path = launch.socket_path(str(runtime / "dlgrade"), str(workspace.resolve()))
    for garbage in (b"\xff\xff\xff\xff", b"\x00\x00\x00\x05[1,2]", b"\x00\x00\x00\x02{}", b"nonsense"):
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(path)
            connection.sendall(garbage)
    for message in ({"op": "run", "key": launch.client_key(), "argv": "exercise 1"}, {"op": "run", "argv": [1]}):
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(path)
            launch.write_message(connection, message, [0, 1, 2])
            answer = launch.Reader(connection).read()
            assert answer is None or "started" not in answer
    assert status(runtime, workspace)["requests"] == 1  # type: ignore[index]
    assert grade("exercise", "1", cwd=workspace).returncode == 0


def test_a_request_with_other_than_three_descriptors_is_refused_and_none_is_kept(runtime, workspace, tmp_path):
    assert grade("exercise", "1", cwd=workspace).returncode == 0
    path = launch.socket_path(str(runtime / "dlgrade"), str(workspace.resolve()))
    pid = status(runtime, workspace)["pid"]  # type: ignore[index]
    message = {**launch.request(["list"], launch.client_key()), "cwd": str(workspace)}
    marker = tmp_path / "passed"
    marker.write_text("")
    for count in (0, 1, 2, 4):
        with open(marker) as passed, socket.socket(socket.AF_UNIX) as connection:
            connection.connect(path)
            launch.write_message(connection, message, [passed.fileno()] * count)
            answer = launch.Reader(connection).read()
        if count == 4:  # the first three ride along (the kernel drops the rest): a run on those three
            assert answer == {"started": True}
        else:
            assert answer == {"error": "three descriptors expected"}
    # every descriptor that came with a request was closed again (asked once the last command has ended: the
    # server answers one request at a time)
    assert status(runtime, workspace)["pid"] == pid  # type: ignore[index]
    held = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):  # one its pool's thread closed meanwhile
            held.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    assert held
    assert str(marker) not in held
    assert grade("exercise", "1", cwd=workspace).returncode == 0


def test_a_pooled_grading_never_loads_the_socket_module():
    # the grading server talks through _socket (as the client): the socket module would cost a cold start 5-10 ms
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import grader.daemon, grader.cli
        from pathlib import Path
        from grader.grading import engine
        with engine.warm_pool():
            result = engine.grade_exercise(1, Path({str(ROOT / "solutions" / "ex01_activations.py")!r}))
        print(result.passed, "socket" in sys.modules)
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.stdout.split() == ["True", "False"], completed.stderr


def test_the_client_imports_no_numpy_and_no_click():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, grader.launch; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'numpy'" not in loaded
    assert "'click'" not in loaded
    assert "'grader.cli'" not in loaded
    # a warm grading's client: the C modules under socket and json, not the packages (about 8 ms of its start)
    assert "'socket'" not in loaded
    assert "'json'" not in loaded
    assert "'subprocess'" not in loaded


MESSAGES = [
    {"op": "run", "argv": ["exercise", "1", "--file", "a b.py"], "umask": 18, "key": "0.1.0-ab"},
    {"env": {"LANG": "ja_JP.UTF-8", "Q": 'say "hi"\\\n\t\x01', "JA": "採点 🎓", "BAD": "\udcff\udc80"}},
    {"exit": 0, "started": True, "stale": False, "none": None, "uptime": 1.5, "nested": [[], {}, [1, -2, [3]]]},
]


@pytest.mark.parametrize("message", MESSAGES, ids=["request", "environment", "answers"])
def test_messages_are_json_as_the_json_module_writes_and_reads_it(message):
    written = launch.dumps(message)
    assert written == json.dumps(message)  # byte for byte: either side may be another grader version
    assert launch.loads(written.encode()) == message == json.loads(written)


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b'{"a": 1}{}', b'{"a": 1} ', b"NaN", b"[1, Infinity]", b"\xff\xfe", b'"\x01"', b"[" * 100_000],
    ids=["empty", "cut", "two", "trailing", "nan", "infinity", "not-utf8", "control", "deep"],
)
def test_a_malformed_message_is_no_message(data):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(len(data).to_bytes(4, "big") + data)
        theirs.close()
        assert launch.Reader(ours).read() is None  # the server drops the connection, nothing is run


def test_a_message_of_another_type_is_refused():
    for value in ({"a": float("nan")}, {1: "a"}, {"a": object()}, {"a": b"bytes"}):
        with pytest.raises((TypeError, ValueError)):
            launch.dumps(value)


def test_a_runtime_folder_not_private_to_the_user_is_refused(tmp_path, monkeypatch, capsys):
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert not launch._private_folder(str(link))  # a link someone placed: not followed
    opened = tmp_path / "opened"
    opened.mkdir(mode=0o755)
    opened.chmod(0o777)
    assert launch._private_folder(str(opened))  # ours: closed again
    assert stat.S_IMODE(opened.stat().st_mode) == 0o700
    real_uid = os.getuid()
    monkeypatch.setattr(launch.os, "getuid", lambda: real_uid + 1)
    assert not launch._private_folder(str(opened))  # another user's folder
    monkeypatch.setattr(launch, "candidate_dirs", lambda environ=None: [str(opened)])
    assert launch.runtime_dir() is None
    assert "grading in this process" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("", 900.0), ("60", 60.0), ("0", 0.1), ("-5", 0.1), ("nan", 900.0), ("1e999", 604800.0), ("x", 900.0)],
)
def test_idle_time_is_read_safely(value, seconds):
    from grader.daemon import idle_seconds

    assert idle_seconds({"DLGRADE_SERVER_IDLE": value}) == seconds


def test_an_idle_server_stops_by_itself(runtime, workspace):
    done = grade("exercise", "1", cwd=workspace, env={**os.environ, "DLGRADE_SERVER_IDLE": "0.3"})
    assert done.returncode == 0
    deadline = time.monotonic() + 10
    while list((runtime / "dlgrade").glob("*.sock")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list((runtime / "dlgrade").glob("*.sock"))
    assert "idle: stopping" in next((runtime / "dlgrade").glob("*.log")).read_text()
    assert status(runtime, workspace) is None


# --- hostile submissions through the server --------------------------------------------------------------

HOSTILE = {
    "patched numpy": """
        np.allclose = lambda *a, **k: True
        def relu(x):
            return np.zeros_like(x)
        """,
    "endless loop": "def relu(x):\n    while True:\n        pass\n",
    "exit": "def relu(x):\n    import os\n    os._exit(0)\n",
    "segfault": "def relu(x):\n    import faulthandler\n    faulthandler._sigsegv()\n",
    "kill the parent": """
        import os, signal
        def relu(x):
            for target in (os.getppid(), 1):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
            return np.zeros_like(x)
        """,
    "daemon": """
        import os
        def relu(x):
            if os.fork() == 0:
                os.setsid()
                os.execvp("sleep", ["sleep", "TOKEN"])
            return np.zeros_like(x)
        """,
    "write outside": """
        def relu(x):
            open(__import__("os").environ.get("HOME", "/tmp") + "/dlgrade-owned", "w").write("x")
            return np.maximum(0, x)
        """,
}


@pytest.fixture(scope="module")
def confined(tmp_path_factory) -> bool:
    """Whether confinement holds here, asked of a sandbox as tests/grader/test_hostile.py does."""
    from test_hostile import _sandbox_facts

    facts = _sandbox_facts(tmp_path_factory.mktemp("facts"))
    return facts["pid_namespace"] and facts["signals_contained"]


def test_hostile_submissions_through_the_server_are_contained_as_without_it(runtime, workspace, confined):
    if not confined:
        pytest.skip("no PID namespace or contained signals here: the attacks could reach the test runner")
    token = f"2.{uuid.uuid4().int % 10**6:06d}"  # a sleep of its own (under 3 s), to look for
    for name, override in HOSTILE.items():
        path = workspace / "exercises" / "ex01_activations.py"
        path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override).replace("TOKEN", token), encoding="utf-8")
        served = grade("exercise", "1", "--format", "json", "--timeout", "1", cwd=workspace)
        assert served.returncode == 1, (name, served.stderr)
        checks = json.loads(served.stdout)["checks"]
        failed = {check["name"].split(":")[0] for check in checks if not check["passed"]}
        assert failed == {"relu"}, name  # only the attacked function loses its credit
        assert status(runtime, workspace) is not None, f"{name}: the server did not survive"
    assert not (Path(os.environ.get("HOME", "/tmp")) / "dlgrade-owned").exists()
    assert not [pid for pid in map(int, filter(str.isdigit, os.listdir("/proc"))) if _is_sleep(pid, token)]
    answered = status(runtime, workspace)
    assert answered is not None
    assert answered["requests"] == len(HOSTILE)


def _is_sleep(pid: int, token: str) -> bool:
    try:
        return token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_grading_in_a_warm_pool_forks_from_its_zygote_and_passes_over_a_dead_one(tmp_path):
    from grader.grading import engine
    from grader.grading.engine import grade_exercise, warm_pool

    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION, encoding="utf-8")
    events = []
    with warm_pool() as pool:
        assert grade_exercise(1, path, progress=events.append).passed
        built = engine._BUILT[1]
        # the live status line's events come through the zygote's server too (a FIFO of the sandbox's)
        assert ("started", "relu") in {(event.kind, event.target) for event in events}
        assert events[-1].kind == "done"
        assert pool._count == 1  # the submission's sandbox server was forked from the zygote
        pool.close()
        assert not pool.alive
        assert grade_exercise(1, path).passed  # a fresh sandbox: the dead zygote is not asked
        assert pool._count == 1
    assert engine._BUILT[1] is built  # the checks were built once, for both gradings


@pytest.mark.parametrize(
    ("argv", "environ", "served"),
    [
        (["exercise", "1"], {}, True),
        (["hint", "2", "--lang", "ja"], {}, True),
        (["exercise", "1", "--no-server"], {}, False),
        (["exercise", "--no-server", "1"], {}, False),
        (["exercise", "1", "--help"], {}, False),
        (["exercise", "-h"], {}, False),
        (["exercise", "1"], {"DLGRADE_NO_SERVER": "1"}, False),
        (["exercise", "1"], {"DLGRADE_NO_SERVER": "yes"}, False),
        (["exercise", "1"], {"DLGRADE_NO_SERVER": "0"}, True),
        (["exercise", "1"], {"DLGRADE_NO_SERVER": "false"}, True),
        (["watch", "1"], {}, False),
        (["list"], {}, False),
        (["server", "status"], {}, False),
        (["--version"], {}, False),
        ([], {}, False),
    ],
)
def test_which_commands_go_to_the_server(workspace, monkeypatch, argv, environ, served):
    monkeypatch.chdir(workspace / "exercises")
    assert (launch.server_workspace(argv, environ) == os.path.realpath(workspace)) is served


def _in_this_process(monkeypatch, argv: list[str], seen: Callable[[], object]) -> list[object]:
    """What ``seen()`` found when ``grade ARGV`` (run here, by ``launch.run``) would have loaded the CLI."""
    import grader.cli
    from grader.sandbox import spawn

    found: list[object] = []
    monkeypatch.setattr(sys, "argv", ["grade", *argv])
    monkeypatch.setattr(grader.cli, "run", lambda: found.append(seen()))
    monkeypatch.setattr(launch, "keep_class_code", lambda: None)  # (it changes this process's dataclasses)
    try:
        launch.run()
    finally:
        spawn.end_early()
    return found


@pytest.mark.parametrize(
    ("argv", "collected"),
    [(["exercise", "1", "--no-server"], False), (["hint", "1", "--no-server"], False), (["batch", "x"], True)],
)
def test_one_grading_in_this_process_runs_without_the_collector_and_longer_commands_with_it(
    monkeypatch, argv, collected
):
    """A grading that ends the process needs no cycle collection; a batch or a watch, which run on, do."""
    import gc

    try:
        assert _in_this_process(monkeypatch, argv, gc.isenabled) == [collected]
    finally:
        gc.enable()


@pytest.mark.parametrize("argv", [["exercise", "1", "--no-server"], ["batch", "x"], ["quiz", "1"]])
def test_a_command_in_this_process_loads_numpy_with_one_blas_thread(monkeypatch, argv):
    """As the grading server and the sandbox: OpenBLAS's threads would spin beside the sandbox's NumPy import."""
    for name in launch.SERVER_THREAD_VARIABLES:
        monkeypatch.setenv(name, "4")  # a user's own choice for other programs
    found = _in_this_process(monkeypatch, argv, lambda: [os.environ[name] for name in launch.SERVER_THREAD_VARIABLES])
    assert found == [["1", "1", "1"]]


@pytest.mark.parametrize(
    ("argv", "early"),
    [
        (["exercise", "1", "--no-server"], True),
        (["hint", "1", "--no-server"], True),
        (["exercise", "1", "--no-server", "--help"], False),
        (["batch", "x"], False),
        (["quiz", "1"], False),
    ],
)
def test_a_grading_in_this_process_starts_its_sandbox_server_before_the_cli_loads(monkeypatch, argv, early):
    """The server loads NumPy on the other core meanwhile (``spawn.start_early``); not for help or other commands."""
    from grader.sandbox import spawn

    found = _in_this_process(monkeypatch, argv, lambda: [started.process.poll() for started in spawn._EARLY])
    assert found == [[None] if early else []]  # one server, running


def test_the_server_collects_and_freezes_once_its_first_grading_is_answered_and_no_client_waits(tmp_path):
    """Its start runs with the collector off; it comes on after the first answer, or the third if clients wait."""
    import gc

    from grader import daemon

    server = daemon.Server.__new__(daemon.Server)  # only what settle uses
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        with socket.socket(socket.AF_UNIX) as listener, socket.socket(socket.AF_UNIX) as client:
            listener.bind(str(tmp_path / "s.sock"))
            listener.listen()
            server.listener = listener
            client.connect(str(tmp_path / "s.sock"))  # a client waits
            server.requests = 1
            server.settle()
            assert not gc.isenabled()  # not now: that client would wait for the collection
            server.requests = 3
            server.settle()
            assert gc.isenabled()  # but not for ever
            assert gc.get_freeze_count() > frozen
            gc.unfreeze()
            gc.disable()
            listener.accept()[0].close()
            server.requests = 1

            class Left:
                pass

            left = Left()
            left.itself = left  # a cycle the first grading left
            gone = weakref.ref(left)
            del left
            server.settle()  # nobody waits: collected, then the rest frozen
            assert gc.isenabled()
            assert gone() is None
    finally:
        gc.unfreeze()
        gc.enable()
