"""A pool's zygote forks each server as PID 1 of a PID namespace of its own, with nothing in between."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grader.errors import SandboxError
from grader.sandbox import confinement
from grader.sandbox.client import Probe, ProbeRun, Sandbox, SandboxPool
from grader.sandbox.server import SPARE_NAME


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _namespace_pids(pid: int) -> list[int]:
    """The process's pid in each PID namespace it is in, outermost first (``NSpid``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("NSpid:"):
            return [int(value) for value in line.split()[1:]]
    return []


def _forks_servers_as_pid_one() -> bool:
    """Whether this machine lets a zygote fork a server into a new PID namespace and come back (root)."""
    own = confinement.own_pid_namespace()
    if own < 0:
        return False
    pid = os.fork()
    if pid == 0:
        works = confinement.next_child_in_new_pid_namespace() and confinement.back_to_pid_namespace(own)
        os._exit(0 if works else 1)
    _pid, status = os.waitpid(pid, 0)
    os.close(own)
    return os.waitstatus_to_exitcode(status) == 0


needs_pid_namespaces = pytest.mark.skipif(
    not os.path.isdir("/proc") or not _forks_servers_as_pid_one() or bool(os.environ.get("GRADE_NO_CONFINE")),
    reason="this machine does not let a process make PID namespaces for its children",
)


def _state(pid: int) -> str:
    """The process's state letter (R, S, T, Z...), "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped yet is not)."""
    return _state(pid) not in ("", "Z", "X")


def _slow_submission(tmp_path: Path, seconds: float) -> Path:
    path = tmp_path / "ex01_activations.py"
    path.write_text(
        textwrap.dedent(
            f"""
            import time
            import numpy as np

            def relu(x):
                time.sleep({seconds})
                return np.maximum(0, x)
            """
        )
    )
    return path


def _relu_probe() -> Probe:
    probe = Probe()
    probe.save(probe.call("relu", np.arange(-2.0, 3.0)), "y")
    return probe


def _grade_in_thread(pool: SandboxPool, submission: Path, runs: list[ProbeRun | SandboxError]) -> threading.Thread:
    def grade() -> None:
        with Sandbox(submission, "ex01_activations", timeout=5.0, pool=pool, jobs=1) as sandbox:
            try:
                runs.extend(sandbox.run([_relu_probe()]))
            except SandboxError as problem:
                runs.append(problem)

    thread = threading.Thread(target=grade)
    thread.start()
    return thread


def _pid_ones(pid: int) -> list[int]:
    """The children of ``pid`` that are PID 1 of a namespace of their own."""
    found = []
    for child in _children(pid):
        try:
            if _namespace_pids(child)[-1] == 1:
                found.append(child)
        except (OSError, IndexError):
            continue
    return found


def _serving(pid: int) -> list[int]:
    """The servers of zygote ``pid`` that run a request (a worker below them), not the spare that waits."""
    return [server for server in _pid_ones(pid) if _children(server)]


def _wait_for(find, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = find()
        if len(found) >= count:
            return found
        time.sleep(0.01)
    raise AssertionError(f"found {len(find())} processes, not {count}")


def _named(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _the_spare(zygote: int, pid_one: bool = False) -> int:
    """The zygote's one child once the servers of earlier requests have ended (with ``pid_one``: and it is PID 1).

    A server whose results are final may still clean up and end after its
    request was answered (``final``): it ends within moments, by itself.  At
    the zygote's start a short-lived child may come first (it tries whether
    it can fork into a PID namespace): only a child named as a spare is one.
    """

    def spare() -> list[int]:
        found = _children_now(zygote)
        if len(found) == 1 and _named(found[0]) == SPARE_NAME and (not pid_one or found[0] in _pid_ones(zygote)):
            return found
        return []

    return _wait_for(spare, 1)[0]


@pytest.mark.skipif(confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="no Landlock")
def test_a_spare_holds_both_rulesets_of_python_s_paths_before_its_request_comes():
    """Their hundreds of rules are built while the spare waits, not while a grading waits for it."""
    with SandboxPool() as pool:
        spare = _the_spare(pool._process.pid)

        def rulesets() -> list[int]:
            found = []
            for fd in os.listdir(f"/proc/{spare}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{spare}/fd/{fd}") == "anon_inode:[landlock-ruleset]":
                        found.append(int(fd))
            return found if len(found) == 2 else []

        assert _wait_for(rulesets, 2)


@needs_pid_namespaces
def test_each_server_is_pid_one_of_its_own_namespace_and_the_zygote_s_child(tmp_path):
    submission = _slow_submission(tmp_path, 0.3)
    runs: list[ProbeRun | SandboxError] = []
    with SandboxPool() as pool:
        zygote = pool._process.pid
        threads = [_grade_in_thread(pool, submission, runs) for _ in range(2)]
        servers = _wait_for(lambda: _serving(zygote), 2)
        spare = set(_pid_ones(zygote)) - set(servers)
        namespaces = {os.readlink(f"/proc/{server}/ns/pid") for server in servers}
        pids = [_namespace_pids(server) for server in servers]
        depth = len(_namespace_pids(zygote))
        for thread in threads:
            thread.join()
        # the zygote came back to its own namespace: its next server is not a member of the last one's
        assert os.readlink(f"/proc/{zygote}/ns/pid_for_children") == os.readlink(f"/proc/{zygote}/ns/pid")
    assert [len(pid) for pid in pids] == [depth + 1, depth + 1]  # one namespace deeper
    assert len(namespaces) == 2  # one namespace per submission, never shared
    assert len(spare) == 1  # and the next server, forked ahead, waits in one of its own
    assert [getattr(run, "status", run) for run in runs] == ["ok", "ok"]


@needs_pid_namespaces
def test_a_killed_zygote_takes_its_servers_and_their_workers_with_it(tmp_path):
    submission = _slow_submission(tmp_path, 30)
    runs: list[ProbeRun | SandboxError] = []
    with SandboxPool() as pool:
        zygote = pool._process.pid
        thread = _grade_in_thread(pool, submission, runs)
        (server,) = _wait_for(lambda: _serving(zygote), 1)
        workers = _wait_for(lambda: _children(server), 1)
        (spare,) = _wait_for(lambda: [pid for pid in _pid_ones(zygote) if pid != server], 1)
        os.kill(zygote, signal.SIGKILL)
        thread.join(10)
        assert not thread.is_alive()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_running(pid) for pid in (server, *workers, spare)):
            time.sleep(0.01)
        left = [pid for pid in (server, *workers, spare) if _running(pid)]
    assert left == []
    assert len(runs) == 1
    assert isinstance(runs[0], SandboxError)  # "the sandbox pool did not answer", never a verdict


@needs_pid_namespaces
def test_a_spare_forked_ahead_serves_the_next_request_and_no_other(tmp_path):
    submission = _slow_submission(tmp_path, 0.3)
    served: list[int] = []
    with SandboxPool() as pool:
        zygote = pool._process.pid
        for _ in range(2):
            spare = _the_spare(zygote, pid_one=True)
            assert _children(spare) == []  # it waits for a request, its namespace made
            namespace = os.readlink(f"/proc/{spare}/ns/pid")
            runs: list[ProbeRun | SandboxError] = []
            thread = _grade_in_thread(pool, submission, runs)
            (server,) = _wait_for(lambda: _serving(zygote), 1)
            assert server == spare
            assert os.readlink(f"/proc/{server}/ns/pid") == namespace
            thread.join()
            assert [getattr(run, "status", run) for run in runs] == ["ok"]
            served.append(server)
        # a server ends with its request: the next one is a fresh process
        _wait_for(lambda: [] if _running(served[0]) else served[:1], 1)
        assert served[0] != served[1]


def _children_now(pid: int) -> list[int]:
    return [child for child in _children(pid) if _running(child)]


def _hanging_import(tmp_path: Path) -> Sandbox:
    path = tmp_path / "ex01_activations.py"
    path.write_text("import time\ntime.sleep(30)\n")
    return Sandbox(path, "ex01_activations", timeout=30.0, jobs=1)


def _write_manifest(sandbox: Sandbox, probes: list[dict]) -> Path:
    """A manifest as ``Sandbox.run`` writes one, for probes given as the server reads them."""
    manifest = {
        "learner_dir": str(sandbox.learner_dir),
        "out_dir": str(sandbox.out_dir),
        "module": sandbox.module,
        "jobs": 1,
        "import_timeout": sandbox.timeout,
        "limits": {"memory_bytes": 0},
        "probes": probes,
    }
    path = sandbox.work_dir / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="no /proc")
def test_kill_reaches_the_spare_that_took_the_request(tmp_path):
    with SandboxPool() as pool, _hanging_import(tmp_path) as sandbox:
        zygote = pool._process.pid
        spare = _the_spare(zygote)
        probe = {"id": "p000", "dir": str(sandbox.work_dir / "p000"), "arrays": {}, "steps": [], "timeout": 30.0}
        manifest = _write_manifest(sandbox, [probe])
        started = time.monotonic()
        code = pool.run_manifest(manifest, 1.0)  # the run's time is up after a second: the pool sends "kill"
        assert time.monotonic() - started < 10
        assert code == -signal.SIGKILL
        assert not _running(spare)
        assert pool.alive
        _the_spare(zygote)  # the next spare, and nothing else


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="no /proc")
def test_a_spare_that_died_is_replaced_and_its_request_still_graded(tmp_path):
    submission = _slow_submission(tmp_path, 0.0)
    with SandboxPool() as pool:
        zygote = pool._process.pid
        # killed while it waits: the next request forks a fresh server
        spare = _the_spare(zygote)
        os.kill(spare, signal.SIGKILL)
        _wait_for(lambda: [] if _running(spare) else [spare], 1)
        runs: list[ProbeRun | SandboxError] = []
        _grade_in_thread(pool, submission, runs).join()
        # killed after it was given a request it never read: the request runs again, in a fresh server
        spare = _the_spare(zygote)
        os.kill(spare, signal.SIGSTOP)
        # stopped only once it runs again: were the request on its pipe by then, it would read it first
        _wait_for(lambda: [spare] if _state(spare) == "T" else [], 1)
        thread = _grade_in_thread(pool, submission, runs)
        time.sleep(0.3)  # the zygote hands the request over
        os.kill(spare, signal.SIGKILL)
        thread.join()
        assert not _running(spare)
        assert [getattr(run, "status", run) for run in runs] == ["ok", "ok"]
        _the_spare(zygote)
