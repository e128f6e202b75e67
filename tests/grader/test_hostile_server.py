"""Hostile submissions aimed at the grading server itself (grader.daemon), not only at the grading.

The server lives on between gradings, in the learner's account, holding the
environment it was started from, the client's environment during a request, a
socket that runs ``grade`` commands, a log and a warm zygote.  A submission
graded through it must reach none of them and leave nothing for the next
grading: every submission runs in a fresh confined process forked from the
zygote, exactly as without the server.  One real server per module
(``hostile_routes.ServerRoute``), which after every grading must still be the
same process, with only its zygote below it and its runtime folder as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from hostile_routes import CLIENT, ROOT, ServerRoute, descendants, module_routes, spare_server, submission

from grader import classcode
from grader.grading.results import Status


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    yield from module_routes(tmp_path_factory)


@pytest.fixture(scope="module")
def server(routes) -> ServerRoute:
    """This module's grading server (one for every test: each grades its own file with --file)."""
    return routes.get("server")


@pytest.fixture(scope="module")
def contained(tmp_path_factory) -> bool:
    """Whether signals and processes are contained here, asked of a sandbox harmlessly (test_hostile.py)."""
    from test_hostile import _sandbox_facts

    facts = _sandbox_facts(tmp_path_factory.mktemp("facts"))
    return facts["pid_namespace"] and facts["signals_contained"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _zygote(server: ServerRoute) -> int:
    (zygote,) = server.tree
    return zygote


def test_the_servers_socket_folder_and_log_are_out_of_reach(server, tmp_path):
    folder = server.runtime / "dlgrade"
    log = server.socket[: -len(".sock")] + ".log"
    # the manifests the server keeps for its successor's first gradings (grader.sandbox.plans): a submission
    # that could write one would still decide nothing (a run is adopted only if the checks built afresh are
    # the same), but it must not even read or add one
    plans = Path(server.socket[: -len(".sock")] + ".plans")
    [kept, *_] = sorted(plans.iterdir())
    # the code of the grader's classes the server keeps for its successor (grader.classcode), which that one runs
    code = Path(server.socket[: -len(".sock")] + "." + classcode.file_name())
    assert code.exists()  # written once the first grading was answered (the route waited for it)
    found, graded = server.facts_graded(
        tmp_path,
        f"""
        import json
        import os
        import socket

        SOCKET = {server.socket!r}

        def relu(x):
            reached = []
            try:  # tell the server to stop, as 'grade server stop' does
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(SOCKET)
                message = json.dumps({{"op": "stop"}}).encode()
                connection.sendall(len(message).to_bytes(4, "big") + message)
                reached.append(1)
            except OSError:
                reached.append(0)
            for look in (
                lambda: os.listdir({str(folder)!r}),
                lambda: open({log!r}, "rb").read(1 << 16),
                lambda: open(SOCKET[: -len(".sock")] + ".lock", "rb").read(),
                lambda: open(SOCKET[: -len(".sock")] + ".lock", "ab").write(b"x"),
                lambda: os.listdir({str(plans)!r}),
                lambda: open({str(kept)!r}, "rb").read(1 << 16),
                lambda: open({str(plans / "new.plan")!r}, "wb").write(b"x"),
                lambda: open({str(code)!r}, "rb").read(1 << 16),
                lambda: open({str(code)!r}, "ab").write(b"x"),
                lambda: os.rename({str(code)!r}, {str(code)!r} + ".x"),
            ):
                try:
                    print("READ", look())
                    reached.append(1)
                except OSError:
                    reached.append(0)
            return reached
        """,
    )
    assert found.tolist() == [0] * 11
    assert not (plans / "new.plan").exists()
    assert not Path(f"{code}.x").exists()
    assert not code.read_bytes().endswith(b"x")  # (the server may have written it again meanwhile, whole)
    # the log names the workspace and every request: none of it reaches the submission's report
    assert "serving" in Path(log).read_text()
    assert "READ" not in graded.output
    server.correct_still_passes()  # the server was not told to stop


def test_signals_to_the_server_its_zygote_and_parents_reach_nothing(server, tmp_path, contained):
    if not contained:
        # never run this where it could work: kill(-1) would take the test runner with it
        pytest.skip("signals are not contained on this machine (no PID namespace, no Landlock scoping)")
    found, graded = server.facts_graded(
        tmp_path,
        f"""
        import os
        import signal

        def relu(x):
            delivered = []
            for target in ({server.pid}, {_zygote(server)}, os.getppid(), 1, -1):
                for number in (signal.SIGTERM, signal.SIGKILL):
                    try:
                        os.kill(target, number)
                        delivered.append(target)
                    except OSError:
                        pass
            # kill(-1) says it succeeded when any process but this one is there, even if every signal was
            # refused (Linux counts EPERM as no error): whether it reached anyone shows below
            return [target for target in delivered if target != -1] or [0]
        """,
    )
    assert found.tolist() == [0]
    assert graded.passed  # no other worker of this submission was killed either
    server.correct_still_passes()


def test_the_environment_of_the_server_and_of_the_client_stays_unread(server, tmp_path):
    # the client's environment goes to the server with the request; the server's own is the one it was started
    # from (its /proc/PID/environ): the test reads it there, so the attack below aims at a real secret
    client_secret = uuid.uuid4().hex
    assert server.start_secret.encode() in Path(f"/proc/{server.pid}/environ").read_bytes()
    targets = [
        f"/proc/{server.pid}/environ",
        f"/proc/{server.pid}/cmdline",
        f"/proc/{server.pid}/mem",
        f"/proc/{_zygote(server)}/environ",
        "/proc/self/environ",
        "/proc/1/environ",
    ]
    # the client that sends the request lives meanwhile, its pid unknown to the submission: which tries them all
    # (/proc is the machine's in the sandbox's PID namespace, so only Landlock keeps it out)
    highest = max(int(entry) for entry in os.listdir("/proc") if entry.isdigit()) + 2000
    found, graded = server.facts_graded(
        tmp_path,
        f"""
        import os

        def relu(x):
            readable = 0
            for path in {targets!r} + [f"/proc/{{os.getppid()}}/environ"]:
                try:
                    with open(path, "rb") as handle:
                        print(path, handle.read(1 << 16)[:4096])
                    readable += 1
                except OSError:
                    pass
            environments = 0
            for pid in range(1, {highest}):
                try:
                    with open(f"/proc/{{pid}}/environ", "rb") as handle:
                        if b"GRADE_TEST_SECRET" in handle.read():
                            print(pid, "GRADE_TEST_SECRET found")
                    environments += 1
                except OSError:
                    pass
            print(sorted(os.environ.items()))
            return [readable, environments]
        """,
        env={"GRADE_TEST_SECRET": client_secret},
    )
    assert found.tolist() == [0, 0]
    assert "GRADE_TEST_SECRET" not in graded.output  # not in the submission's own environment either
    assert client_secret not in graded.output
    assert server.start_secret not in graded.output


def test_nothing_is_left_in_a_scratch_folder_for_the_next_grading(server, tmp_path):
    mark = f"planted_{uuid.uuid4().hex[:8]}"
    workspace = server.workspace
    # what every grading of this server reads: the zygote's folder and its lib/ (where NumPy is found), NumPy itself
    pools = [str(path) for path in Path("/dev/shm").glob(f"grade-pool-{server.pid}-*")]
    assert pools, "the server's zygote keeps its folder in /dev/shm"
    shared = [*pools, *(os.path.join(pool, "lib") for pool in pools), os.path.dirname(np.__file__)]
    places = ["/dev/shm", "/tmp", "/var/tmp", str(workspace), str(workspace / "exercises"), *shared]
    names = (f"{mark}.py", "numpy.py", "sitecustomize.py", "ex02_softmax_loss.py")

    def planted_files() -> set[str]:
        return {
            os.path.join(place, name)
            for place in places
            for name in names
            if os.path.lexists(os.path.join(place, name))
        }

    there = planted_files()
    try:
        _plant_and_look(server, tmp_path, mark, places, names)
    finally:
        for path in planted_files() - there:  # (only if confinement failed) the machine as it was
            os.remove(path)
    assert planted_files() == there
    assert sorted(path.name for path in (workspace / "exercises").iterdir()) == ["ex01_activations.py"]


def _plant_and_look(server: ServerRoute, tmp_path: Path, mark: str, places: list[str], names: tuple[str, ...]) -> None:
    planted = server.facts(
        tmp_path / "first",
        f"""
        import os

        def relu(x):
            here = os.getcwd()
            written = 0
            for folder in [here, os.path.dirname(here), os.path.dirname(os.path.dirname(here))] + {places!r}:
                # a module the next grading would import (its own name, NumPy's, one Python imports at start)
                for name in {names!r}:
                    try:
                        with open(os.path.join(folder, name), "w") as handle:
                            handle.write("PLANTED = True\\n")
                        written += 1
                    except OSError:
                        pass
            return [written]
        """,
    )
    assert planted.tolist() == [0]
    found = server.facts(
        tmp_path / "second",
        f"""
        import os

        def relu(x):
            here = os.getcwd()
            seen = []
            for folder in (here, os.path.dirname(here), "/dev/shm", "/tmp"):
                try:
                    seen += [name for name in os.listdir(folder) if {mark!r} in name]
                except OSError:
                    pass
            try:
                import {mark}  # noqa: F401
                seen.append("imported")
            except ImportError:
                pass
            return [len(seen), len(os.listdir(here))]
        """,
    )
    assert found.tolist() == [0, 1]  # its own folder holds its own file only


CHEAT = """
import builtins
import json
import os
import sys

import numpy as np

# everything the grading of the next submission might use, if this process were that grading
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None
builtins.NotImplementedError = type("NotImplementedError", (Exception,), {})
json.dumps = lambda *a, **k: '{"passed": true}'
os.environ["GRADE_NO_CONFINE"] = "1"
sys.modules["grader"] = sys
try:
    with open(f"/proc/{os.getppid()}/mem", "r+b") as memory:  # the sandbox server's memory, were it writable
        memory.write(b"x")
except OSError:
    pass
os.umask(0)
os.chdir("/")


def relu(x):
    return np.zeros_like(x)
"""


def test_a_cheat_changes_nothing_for_the_next_submission(server, tmp_path):
    """Grading runs in another process than the server: what a cheat patches dies with it."""
    stub = tmp_path / "stub" / "ex01_activations.py"
    stub.parent.mkdir()
    shutil.copy(ROOT / "exercises" / "ex01_activations.py", stub)

    def stub_report() -> tuple[int, dict]:
        done = server.cli("exercise", "1", "--file", str(stub), "--format", "json")
        return done.returncode, json.loads(done.stdout)

    before = stub_report()
    assert before[0] == 1
    assert not any(check["passed"] for check in before[1]["checks"])
    cheat = server.grade(submission(tmp_path, CHEAT))
    assert {check.status for check in cheat.results if check.target == "relu"} == {Status.FAILED}
    after = stub_report()
    assert after == before  # still "not attempted", word for word
    server.correct_still_passes()
    # the server's own process: its folder, umask and environment as before
    assert os.readlink(f"/proc/{server.pid}/cwd") == str(server.runtime / "dlgrade")
    status = Path(f"/proc/{server.pid}/status").read_text()
    assert "Umask:\t0077" in status


def test_ctrl_c_during_a_hostile_grading_leaves_nothing_running(server, tmp_path):
    """The learner stops the client while the submission spins: that grading stops, and nothing of it lives on."""
    path = submission(tmp_path, "def relu(x):\n    while True:\n        pass\n")
    client = subprocess.Popen(
        [*CLIENT, "exercise", "1", "--file", str(path), "--timeout", "30"],
        cwd=server.workspace,
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal starts it: under a test run started in the background (`pytest &`), SIGINT is
        # ignored, a client would inherit that, and the Ctrl-C below would never reach the grading
        preexec_fn=_default_sigint,
    )
    zygote = _zygote(server)
    deadline = time.monotonic() + 30
    # the submission's sandbox, under the zygote (not the spare server that waits there)
    while not descendants(zygote) - spare_server(zygote) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert descendants(zygote) - spare_server(zygote), "the grading never started"
    time.sleep(0.2)  # into relu's endless loop
    client.send_signal(signal.SIGINT)
    _out, err = client.communicate(timeout=30)
    server.after(server.requests + 1)  # the server lives on, with nothing of that grading left below it
    # as without the server: click's "Aborted!", exit status 1
    assert client.returncode == 1, err
    assert err.strip() == "Aborted!"
    server.correct_still_passes()
