"""Hostile submissions: none can pass without computing the answers or harm the grader.

Each test grades exercise 1 with the worked solution plus an override of one
function that attacks the grader (the same layout as tests/submissions).  The
attacked function's checks must fail with a clear reason, the other functions'
checks must keep their credit, and nothing may survive or leak.

Every attack runs on each route to the sandbox (``hostile_routes``): a fresh
sandbox, a sandbox forked from a warm zygote (``engine.warm_pool``), and the
real client against a real grading server, with the same assertions; the pool
and server routes also check after every grading that the zygote and the
server live on with no process of the submission's left below them.
"""

from __future__ import annotations

import json
import os
import socket
import textwrap
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from hostile_routes import ROUTES, Route, module_routes

from grader.grading.engine import grade_exercise
from grader.grading.results import Status
from grader.sandbox import confinement
from grader.sandbox.client import DEFAULT_MEMORY_BYTES, Probe, Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
LANDLOCK = confinement.landlock_abi()


def _submission(tmp_path: Path, override: str) -> Path:
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override), encoding="utf-8")
    return path


def grade(route: Route, tmp_path: Path, override: str, timeout: float = 2.0):
    return route.grade(_submission(tmp_path, override), timeout=timeout)


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """This module's warm pool and grading server, made when a test first takes that route."""
    yield from module_routes(tmp_path_factory)


@pytest.fixture(params=ROUTES)
def route(request, routes) -> Route:
    """A fresh sandbox, a warm zygote's, or the real client and grading server."""
    return routes.get(request.param)


@pytest.fixture(params=["fresh", "pool"])
def probe_route(request, routes) -> Route:
    """A bare ``Sandbox`` run of one probe: started fresh, or forked from the warm zygote."""
    return routes.get(request.param)


@pytest.fixture(params=["fresh", "server"])
def cli_route(request, routes) -> Route:
    """``grade`` run as a learner runs it: in its own process, or answered by the grading server."""
    return routes.get(request.param)


def by_target(result) -> dict[str, set[str]]:
    statuses: dict[str, set[str]] = {}
    for check in result.results:
        statuses.setdefault(check.target, set()).add(check.status)
    return statuses


def assert_only_relu_fails(result) -> list:
    statuses = by_target(result)
    assert statuses.pop("relu") == {Status.FAILED}
    for target, seen in statuses.items():
        assert seen == {Status.PASSED}, (target, seen)
    return [check for check in result.results if check.target == "relu"]


def _sandbox_facts(tmp_path: Path) -> dict[str, bool]:
    """What confinement is really active: asked of a sandboxed process, harmlessly.

    ``os.kill(-1, 0)`` sends no signal; it only says whether any process outside
    the sandbox could be reached.
    """
    learner = tmp_path / "probe" / "ex01_activations.py"
    learner.parent.mkdir()
    learner.write_text(
        "import os\n"
        "def relu(x):\n"
        "    try:\n"
        "        os.kill(-1, 0)\n"
        "        reach = 1\n"
        "    except OSError:\n"
        "        reach = 0\n"
        "    return [os.getpid(), reach]\n"
    )
    probe = Probe()
    probe.save(probe.call("relu", np.zeros(1)), "facts")
    with Sandbox(learner, "ex01_activations") as sandbox:
        run = sandbox.run([probe])[0]
    pid, reach = (int(v) for v in run.output("facts").array)
    return {"pid_namespace": pid < 100, "signals_contained": reach == 0}


@pytest.fixture(scope="module")
def sandbox_facts(tmp_path_factory) -> dict[str, bool]:
    return _sandbox_facts(tmp_path_factory.mktemp("facts"))


@pytest.fixture(scope="module")
def pid_namespace(sandbox_facts) -> bool:
    return sandbox_facts["pid_namespace"]


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline:
                found.append(int(entry))
    return found


# --- verdicts come from numbers computed outside the submission -------------------------


def test_patching_numpy_and_math_does_not_fake_a_pass(route, tmp_path):
    result = grade(
        route,
        tmp_path,
        """
        import math
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        math.isclose = lambda *a, **k: True

        def relu(x):
            return np.zeros_like(x)
        """,
    )
    assert_only_relu_fails(result)


def test_ndarray_subclass_that_lies_about_equality_fails(route, tmp_path):
    result = grade(
        route,
        tmp_path,
        """
        class Liar(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), dtype=bool)
            def __array_finalize__(self, obj):
                pass

        def relu(x):
            return np.zeros_like(x).view(Liar)
        """,
    )
    assert_only_relu_fails(result)


def test_object_whose_unpickling_runs_code_is_never_unpickled(route, tmp_path):
    marker = tmp_path / "UNPICKLED"
    result = grade(
        route,
        tmp_path,
        f"""
        import os

        class Payload:
            def __reduce__(self):
                return (os.system, ("touch {marker}",))

        def relu(x):
            out = np.empty(x.shape, dtype=object)
            out[...] = Payload()
            return out
        """,
    )
    failures = assert_only_relu_fails(result)
    assert any("not numeric" in line.en for check in failures for line in check.lines)
    assert not marker.exists()


def test_frames_and_garbage_collector_hold_no_expected_answer(route, tmp_path):
    result = grade(
        route,
        tmp_path,
        """
        import gc
        import sys

        def relu(x):
            # look for any array of the right shape that is not the input
            frame = sys._getframe()
            while frame is not None:
                for value in frame.f_locals.values():
                    if isinstance(value, np.ndarray) and value.shape == x.shape and value is not x:
                        return value
                frame = frame.f_back
            for value in gc.get_objects():
                if isinstance(value, np.ndarray) and value.shape == x.shape and value is not x:
                    if not np.array_equal(value, x):
                        return value
            return x * 0 - 1
        """,
    )
    assert_only_relu_fails(result)


# --- time, memory, exits and crashes ----------------------------------------------------


def test_endless_loop_fails_that_function_only_within_the_limit(route, tmp_path):
    started = time.monotonic()
    result = grade(route, tmp_path, "def relu(x):\n    while True:\n        pass\n", timeout=1.0)
    elapsed = time.monotonic() - started
    failures = assert_only_relu_fails(result)
    assert any("did not finish within 1 s" in line.en for check in failures for line in check.lines)
    assert elapsed < 1.0 + 3.0


def test_endless_loop_while_importing_is_bounded(route, tmp_path):
    started = time.monotonic()
    result = grade(route, tmp_path, "while True:\n    pass\n", timeout=1.0)
    assert time.monotonic() - started < 8.0
    assert {check.status for check in result.results} == {Status.FAILED}
    assert result.score == 0


def test_unbounded_allocation_says_out_of_memory(route, tmp_path):
    # a small cap (route.memory_cap), so that reaching it takes a fraction of the time limit even on a busy
    # machine; the server's cap is the default one, which memory written to reaches only after 10-15 s on a
    # machine slow to give pages: there the hoard only maps its arrays (np.empty), which the cap counts the same
    allocate = "np.ones" if route.memory_cap < DEFAULT_MEMORY_BYTES else "np.empty"
    path = _submission(
        tmp_path,
        f"""
        def relu(x):
            hoard = []
            while True:
                hoard.append({allocate}(10**7))
        """,
    )
    result = route.grade(path, timeout=10.0, memory_bytes=route.memory_cap)
    failures = assert_only_relu_fails(result)
    assert all(any("ran out of memory" in line.en for line in check.lines) for check in failures)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("import sys\n    sys.exit(0)", "ended the process"),
        ("import os\n    os._exit(0)", "ended the process"),
        ("import faulthandler\n    faulthandler._sigsegv()", "SIGSEGV"),
        ("import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)", "SIGKILL"),
    ],
    ids=["sys.exit", "os._exit", "segfault", "killed"],
)
def test_exit_or_crash_fails_only_its_checks(route, tmp_path, body, reason):
    result = grade(route, tmp_path, f"def relu(x):\n    {body}\n")
    failures = assert_only_relu_fails(result)
    assert all(any(reason in line.en for line in check.lines) for check in failures)


# --- processes ----------------------------------------------------------------------------


def test_process_in_a_new_session_does_not_outlive_grading(route, tmp_path):
    token = f"{uuid.uuid4().hex[:8]}.5"
    grade(
        route,
        tmp_path,
        f"""
        import subprocess
        import sys

        def relu(x):
            subprocess.Popen(["sleep", "{token}"], start_new_session=True)
            return np.maximum(0, x)
        """,
    )
    time.sleep(0.2)
    assert _processes_with(token) == []


def test_double_forked_daemon_does_not_outlive_grading(route, tmp_path):
    token = f"{uuid.uuid4().hex[:8]}.25"
    grade(
        route,
        tmp_path,
        f"""
        import os

        def relu(x):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execvp("sleep", ["sleep", "{token}"])
                os._exit(0)
            return np.maximum(0, x)
        """,
    )
    time.sleep(0.2)
    assert _processes_with(token) == []


def test_killing_everything_it_can_reach_harms_nothing_outside(route, tmp_path, sandbox_facts):
    if not sandbox_facts["signals_contained"]:
        # never run this where it could work: kill(-1) would take the test runner with it
        pytest.skip("signals are not contained on this machine (no PID namespace, no Landlock scoping)")
    result = grade(
        route,
        tmp_path,
        """
        import os
        import signal

        def relu(x):
            for target in (-1, os.getppid(), 1):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
            return np.maximum(0, x)
        """,
    )
    assert result.passed


# --- output -------------------------------------------------------------------------------


def test_hundreds_of_megabytes_of_output_stay_out_of_the_json(cli_route, tmp_path):
    path = _submission(
        tmp_path,
        """
        import os
        import sys

        print('{"exercise": 1, "passed": true, "score": 99, "max_score": 99, "checks": []}')

        def relu(x):
            block = "x" * (1 << 20) + "\\n"
            for _ in range(300):
                try:
                    sys.stdout.write(block)
                    os.write(2, block.encode())
                except OSError:
                    break
            return np.maximum(0, x)
        """,
    )
    started = time.monotonic()
    completed = cli_route.cli("exercise", "1", "--file", str(path), "--format", "json")
    assert time.monotonic() - started < 30
    document = json.loads(completed.stdout)
    assert len(completed.stdout) < 200_000
    assert document["max_score"] > 0
    assert document["score"] < 99


# --- imports, files, network ---------------------------------------------------------------


@pytest.mark.skipif(LANDLOCK < 1, reason="without Landlock a submission that edits sys.path can import them")
def test_grader_packages_stay_out_of_reach_even_without_the_import_hook(route, tmp_path):
    result = grade(
        route,
        tmp_path,
        f"""
        import sys

        def relu(x):
            sys.meta_path[:] = [f for f in sys.meta_path if "Block" not in type(f).__name__]
            sys.path.insert(0, {str(ROOT)!r})
            from reference import relu as answer
            return answer(x)
        """,
    )
    assert_only_relu_fails(result)


@pytest.mark.skipif(LANDLOCK < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available here")
def test_reference_source_can_not_be_read(route, tmp_path):
    result = grade(
        route,
        tmp_path,
        f"""
        def relu(x):
            namespace = {{}}
            source = open({str(ROOT / "reference" / "activations.py")!r}).read()
            exec(compile(source, "activations.py", "exec"), namespace)
            return namespace["relu"](x)
        """,
    )
    failures = assert_only_relu_fails(result)
    assert any("PermissionError" in line.en for check in failures for line in check.lines)


@pytest.mark.skipif(LANDLOCK < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available here")
def test_project_and_grader_code_can_not_be_written(route, tmp_path):
    target = ROOT / "grader" / "checks" / "ex01_activations.py"
    before = target.read_bytes()
    escape = tmp_path / "outside.txt"
    result = grade(
        route,
        tmp_path,
        f"""
        def relu(x):
            for path in ({str(target)!r}, {str(escape)!r}, {str(ROOT / "PWNED")!r}):
                try:
                    with open(path, "a") as handle:
                        handle.write("# pwned")
                except OSError:
                    pass
            return np.maximum(0, x)
        """,
    )
    assert result.passed
    assert target.read_bytes() == before
    assert not escape.exists()
    assert not (ROOT / "PWNED").exists()


def test_network_connections_are_refused(route, tmp_path, pid_namespace):
    if not pid_namespace and (LANDLOCK < 4 or os.environ.get("GRADE_NO_CONFINE")):
        pytest.skip("no network namespace and no Landlock network rules on this machine")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted = []

    def accept() -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not accepted:
            try:
                accepted.append(server.accept())
            except (TimeoutError, OSError):
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    result = grade(
        route,
        tmp_path,
        f"""
        import socket

        def relu(x):
            connection = socket.create_connection(("127.0.0.1", {port}), timeout=1)
            connection.sendall(b"leak")
            return np.maximum(0, x)
        """,
    )
    thread.join(timeout=0.5)
    server.close()
    assert_only_relu_fails(result)
    assert accepted == []


def test_the_batch_pool_confines_as_tightly(tmp_path, pid_namespace):
    """grade batch forks its servers from a warm zygote: the same attacks must fail there."""
    from grader.grading.engine import get_exercise
    from grader.sandbox.client import SandboxPool

    if not pid_namespace:
        pytest.skip("no PID and network namespaces on this machine")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port = server.getsockname()[1]
    token = f"{uuid.uuid4().hex[:8]}.75"
    path = _submission(
        tmp_path,
        f"""
        import os
        import socket

        def relu(x):
            if os.fork() == 0:
                os.setsid()
                os.execvp("sleep", ["sleep", "{token}"])
            socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"leak")
            return np.maximum(0, x)
        """,
    )
    with SandboxPool() as pool:
        result = grade_exercise(1, path, pool=pool, checks=get_exercise(1).build_checks(), jobs=1)
    try:
        connection, _address = server.accept()
        connection.close()
        leaked = True
    except (TimeoutError, OSError):
        leaked = False
    server.close()
    assert_only_relu_fails(result)
    assert not leaked
    time.sleep(0.2)
    assert _processes_with(token) == []


# --- the trust boundary: nothing the submission writes, inherits or returns is trusted --------------
#
# Each of these broke the grader before the sandbox stopped exchanging files in folders the
# submission could write (issue 11); each passes only when the attack is contained.

SPOIL = """
import os

def _folders():
    here = os.getcwd()
    near = [here, os.path.dirname(here), os.path.dirname(os.path.dirname(here))]
    found = list(near)
    for folder in near:
        try:
            found += [os.path.join(folder, name) for name in os.listdir(folder)]
        except OSError:
            pass
    return [folder for folder in found if os.path.isdir(folder) and not os.path.islink(folder)]

def _spoil(kind, target):
    names = {"status.json", "stdout.txt", "stderr.txt", "result.json"}
    for folder in _folders():
        try:
            names_here = names | {n for n in os.listdir(folder) if n.endswith((".json", ".result", ".txt"))}
        except OSError:
            continue
        for name in names_here:
            path = os.path.join(folder, name)
            try:
                if os.path.lexists(path):
                    os.remove(path)
                if kind == "symlink":
                    os.symlink(target, path)
                elif kind == "fifo":
                    os.mkfifo(path)
                elif kind == "directory":
                    os.mkdir(path)
            except OSError:
                pass

def relu(x):
    _spoil(KIND, TARGET)
    return np.maximum(0, x)
"""


@pytest.mark.parametrize(
    "kind",
    ["symlink to a file outside", "symlink to the grader's environment", "fifo", "directory"],
)
def test_files_the_grader_reads_back_can_not_be_replaced(cli_route, tmp_path, monkeypatch, kind):
    secret = uuid.uuid4().hex
    monkeypatch.setenv("GRADE_TEST_SECRET", secret)  # in the grader's environment, never in a submission's
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    target = str(outside) if kind == "symlink to a file outside" else "/proc/self/environ"
    attack = SPOIL.replace("KIND", repr(kind.split()[0])).replace("TARGET", repr(target))
    path = _submission(tmp_path, attack)
    # (a FIFO the grader opened would block it for ever: the route gives up after 120 s)
    completed = cli_route.cli(
        "exercise", "1", "--file", str(path), "--format", "json", env={"GRADE_TEST_SECRET": secret}
    )
    assert completed.returncode in (0, 1), completed.stderr
    document = json.loads(completed.stdout)
    # the grading server reads the files back: the environment it was started from is not shown either
    for held in (secret, *cli_route.held_secrets):
        assert held not in completed.stdout + completed.stderr
    assert outside.read_text() == "keep me"
    passed = {check["name"]: check["passed"] for check in document["checks"]}
    assert all(verdict for name, verdict in passed.items() if not name.startswith("relu:"))


def test_writing_to_inherited_descriptors_does_not_move_a_deadline(route, tmp_path):
    started = time.monotonic()
    result = grade(
        route,
        tmp_path,
        """
        import os
        import time

        def relu(x):
            # the old worker told the server which probe it was on through an inherited pipe
            for fd in range(3, 64):
                try:
                    os.write(fd, b"1\\n2\\n3\\n4\\n5\\n6\\n7\\n8\\nm\\n")
                except OSError:
                    pass
            time.sleep(3)
            for fd in range(3, 64):
                try:
                    os.write(fd, b"1\\n2\\n3\\n4\\n5\\n6\\n7\\n8\\nm\\n")
                except OSError:
                    pass
            return np.maximum(0, x)
        """,
        timeout=1.0,
    )
    elapsed = time.monotonic() - started
    failures = assert_only_relu_fails(result)
    # ended by its own deadline, or at once for writing into the grader's result pipe: never given more time
    verdicts = ("did not finish within 1 s", "changed what the grader reads back")
    assert all(any(v in line.en for line in check.lines for v in verdicts) for check in failures)
    assert elapsed < 30


@pytest.mark.parametrize(
    "body",
    [
        # lift the soft limits to the hard ones, then allocate far beyond the cap
        "import resource\n"
        "    for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):\n"
        "        try:\n"
        "            resource.setrlimit(which, (resource.getrlimit(which)[1],) * 2)\n"
        "        except (ValueError, OSError):\n"
        "            pass\n"
        "    big = np.ones(CAP * 3 // 8)\n"
        "    big[::512] = 2.0",
        # shared anonymous memory, which the data-segment limit does not count
        "import mmap\n"
        "    shared = mmap.mmap(-1, CAP * 2, flags=mmap.MAP_SHARED)\n"
        "    for at in range(0, len(shared), 4096):\n"
        "        shared[at] = 1",
    ],
    ids=["raise-the-limit", "shared-mmap"],
)
def test_memory_cap_can_not_be_lifted_or_walked_around(route, tmp_path, body):
    # CAP: the route's memory cap (the server's is the default one)
    body = body.replace("CAP", str(route.memory_cap))
    path = _submission(tmp_path, f"def relu(x):\n    {body}\n    return np.maximum(0, x)\n")
    result = route.grade(path, timeout=10.0, memory_bytes=route.memory_cap)
    assert_only_relu_fails(result)


def _facts_of(tmp_path: Path, body: str, name: str = "facts", route: Route | None = None) -> np.ndarray:
    """What the learner's code computed about its own surroundings: through a bare probe, or on ``route``.

    On the server route ``relu`` prints what it found and the test reads it in the report.
    """
    return (route or Route()).facts(tmp_path, body, name)


def test_no_files_can_be_written_anywhere(route, tmp_path):
    written = _facts_of(
        tmp_path,
        """
        import os

        def relu(x):
            total = 0
            here = os.getcwd()
            for folder in (here, os.path.dirname(here), "/dev/shm", "/tmp", "/var/tmp"):
                for count in range(3):
                    try:
                        with open(os.path.join(folder, f"fill-{count}.bin"), "wb") as handle:
                            total += handle.write(b"x" * (8 * 1024**2))
                    except OSError:
                        pass
            return total
        """,
        route=route,
    )
    if LANDLOCK < 1:
        # without Landlock only the file size limit holds: one file can not grow past it
        assert int(written) <= 15 * 1024**2 * 8
    else:
        assert int(written) == 0


def test_a_returned_dict_with_thousands_of_entries_is_capped(probe_route, tmp_path):
    learner = tmp_path / "ex01_activations.py"
    learner.write_text("import numpy as np\ndef relu(x):\n    return {str(i): np.ones(10**4) for i in range(5000)}\n")
    probe = Probe()
    probe.save(probe.call("relu", np.zeros(1)), "params")
    with Sandbox(learner, "ex01_activations", timeout=10.0, pool=probe_route._pool()) as sandbox:
        run = sandbox.run([probe])[0]
    probe_route.after()
    output = run.output("params")
    assert output.kind == "dict"
    assert len(output.items) <= 256
    assert "5000 items" in output.reason


# a system call made with arguments that are invalid after its permission check: harmless even where
# nothing denies it (no host name is set, no file system mounted, no machine rebooted)
PRIVILEGES = """
import ctypes
import ctypes.util
import os

LIBC = ctypes.CDLL(None, use_errno=True)
MACHINE = os.uname().machine
CALLS = {
    "x86_64": {"sethostname": 170, "mount": 165, "reboot": 169, "init_module": 175, "unshare": 272, "bpf": 321,
               "perf_event_open": 298, "keyctl": 250, "kexec_load": 246, "ptrace": 101, "settimeofday": 164},
    "aarch64": {"sethostname": 161, "mount": 40, "reboot": 142, "init_module": 105, "unshare": 97, "bpf": 280,
                "perf_event_open": 241, "keyctl": 219, "kexec_load": 104, "ptrace": 117, "settimeofday": 170},
}.get(MACHINE, {})
ARGUMENTS = {
    "sethostname": (b"x", 100000),  # longer than any host name: EINVAL once permitted
    "mount": (b"/nonexistent-source", b"/nonexistent-target", b"none", 0, None),
    "reboot": (0, 0, 0, None),  # wrong magic numbers: EINVAL once permitted
    "init_module": (None, 0, b""),
    "unshare": (0,),  # no flags: nothing changes even where it is permitted
    "bpf": (-1, None, 0),
    "perf_event_open": (None, 0, -1, -1, 0),
    "keyctl": (-1, 0, 0, 0, 0),
    "kexec_load": (0, 1, None, 0),  # one segment from a null pointer: EFAULT once permitted
    "ptrace": (-1, 0, 0, 0),  # no such request: EIO once permitted
    "settimeofday": (None, None),  # changes nothing even where it is permitted
}

def _capabilities():
    # /proc is out of reach in the sandbox: ask the kernel directly
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    LIBC.capget(header, data)
    effective = data[0] | data[3] << 32
    permitted = data[1] | data[4] << 32
    bounding = sum(1 << cap for cap in range(64) if LIBC.prctl(23, cap, 0, 0, 0) == 1)  # PR_CAPBSET_READ
    ambient = sum(1 << cap for cap in range(64) if LIBC.prctl(47, 1, cap, 0, 0) == 1)  # PR_CAP_AMBIENT_IS_SET
    return [effective, permitted, bounding, ambient]

def relu(x):
    facts = _capabilities()
    facts.append(LIBC.prctl(39, 0, 0, 0, 0))  # PR_GET_NO_NEW_PRIVS
    facts.append(LIBC.prctl(21, 0, 0, 0, 0))  # PR_GET_SECCOMP: 2 in filter mode
    for name in sorted(ARGUMENTS):
        if name not in CALLS:
            facts.append(-1)
            continue
        ctypes.set_errno(0)
        answer = LIBC.syscall(CALLS[name], *ARGUMENTS[name])
        facts.append(ctypes.get_errno() if answer == -1 else 0)
    return facts
"""


def test_learner_code_has_no_privileges_and_no_dangerous_system_calls(route, tmp_path):
    facts = [int(value) for value in _facts_of(tmp_path, PRIVILEGES, route=route)]
    cap_effective, cap_permitted, cap_bounding, cap_ambient, no_new_privs, seccomp_mode = facts[:6]
    assert (cap_effective, cap_permitted, cap_bounding, cap_ambient) == (0, 0, 0, 0)
    assert no_new_privs == 1
    if not confinement.seccomp_available():
        pytest.skip("no seccomp filter for this architecture")
    assert seccomp_mode == 2
    import errno

    assert facts[6:] == [errno.EPERM] * (len(facts) - 6)


def test_no_process_or_thread_can_be_started(route, tmp_path):
    if not confinement.seccomp_available():
        pytest.skip("no seccomp filter for this architecture: processes die with the sandbox instead")
    facts = _facts_of(
        tmp_path,
        """
        import os
        import subprocess
        import threading

        def relu(x):
            started = []
            try:
                pid = os.fork()
                if pid == 0:
                    os._exit(0)  # harmless if it ever ran: the child ends at once
                os.waitpid(pid, 0)
                started.append(1)
            except OSError:
                started.append(0)
            try:
                subprocess.run(["true"], check=False)
                started.append(1)
            except OSError:
                started.append(0)
            try:
                thread = threading.Thread(target=lambda: None)
                thread.start()
                thread.join()
                started.append(1)
            except RuntimeError:
                started.append(0)
            return started
        """,
        route=route,
    )
    assert list(facts) == [0, 0, 0]


def test_root_grading_runs_learner_code_as_nobody_where_python_allows(route, tmp_path):
    stdlib = os.path.dirname(os.__file__)
    if os.geteuid() != 0:
        pytest.skip("not graded as root: the learner's code runs as the grading user")
    if not confinement.readable_by_others([stdlib, os.path.dirname(np.__file__)]):
        pytest.skip(f"{stdlib} is not readable by other users (a Python under /root): learner code stays uid 0")
    uid = _facts_of(
        tmp_path, "import os\ndef relu(x):\n    return [os.getuid(), os.geteuid(), os.getgid()]\n", route=route
    )
    assert list(uid) == [confinement.SANDBOX_UID, confinement.SANDBOX_UID, confinement.SANDBOX_GID]


def test_learner_text_is_cut_and_can_not_drive_the_terminal(cli_route, tmp_path):
    path = _submission(
        tmp_path,
        """
        import sys

        def relu(x):
            # clear the screen, set the window title, write the clipboard, then overwrite the line
            sys.stdout.write("\\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\\rPASS  relu\\n")
            raise ValueError("\\x1b[32mPASS\\x1b[0m " + "x" * 30_000_000)
        """,
    )
    for form in ("json", "text"):
        completed = cli_route.cli("exercise", "1", "--file", str(path), "--format", form)
        assert completed.returncode == 1, completed.stderr
        assert len(completed.stdout) < 100_000
        assert "\x1b" not in completed.stdout
        assert "\r" not in completed.stdout
        assert "\x07" not in completed.stdout
    assert "\\x1b]52" in completed.stdout  # shown, escaped, so the learner sees what was printed


def test_a_source_nested_too_deeply_to_compile_is_one_clear_failure(cli_route, tmp_path):
    path = tmp_path / "ex01_activations.py"
    path.write_text("x = " + "-" * 200_000 + "1\n")
    completed = cli_route.cli("exercise", "1", "--file", str(path), "--format", "json")
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert document["score"] == 0
    assert "Traceback" not in completed.stderr
