"""Hostile submissions: none can pass without computing the answers or harm the grader.

Each test grades exercise 1 with the worked solution plus an override of one
function that attacks the grader (the same layout as tests/submissions).  The
attacked function's checks must fail with a clear reason, the other functions'
checks must keep their credit, and nothing may survive or leak.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from grader import confinement
from grader.engine import FAILED, PASSED, grade_exercise
from grader.sandbox import Probe, Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
LANDLOCK = confinement.landlock_abi()


def _submission(tmp_path: Path, override: str) -> Path:
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override), encoding="utf-8")
    return path


def grade(tmp_path: Path, override: str, timeout: float = 2.0):
    return grade_exercise(1, _submission(tmp_path, override), timeout=timeout)


def by_target(result) -> dict[str, set[str]]:
    statuses: dict[str, set[str]] = {}
    for check in result.results:
        statuses.setdefault(check.target, set()).add(check.status)
    return statuses


def assert_only_relu_fails(result) -> list:
    statuses = by_target(result)
    assert statuses.pop("relu") == {FAILED}
    for target, seen in statuses.items():
        assert seen == {PASSED}, (target, seen)
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


def test_patching_numpy_and_math_does_not_fake_a_pass(tmp_path):
    result = grade(
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


def test_ndarray_subclass_that_lies_about_equality_fails(tmp_path):
    result = grade(
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


def test_object_whose_unpickling_runs_code_is_never_unpickled(tmp_path):
    marker = tmp_path / "UNPICKLED"
    result = grade(
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


def test_frames_and_garbage_collector_hold_no_expected_answer(tmp_path):
    result = grade(
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


def test_endless_loop_fails_that_function_only_within_the_limit(tmp_path):
    started = time.monotonic()
    result = grade(tmp_path, "def relu(x):\n    while True:\n        pass\n", timeout=1.0)
    elapsed = time.monotonic() - started
    failures = assert_only_relu_fails(result)
    assert any("did not finish within 1 s" in line.en for check in failures for line in check.lines)
    assert elapsed < 1.0 + 3.0


def test_endless_loop_while_importing_is_bounded(tmp_path):
    started = time.monotonic()
    result = grade(tmp_path, "while True:\n    pass\n", timeout=1.0)
    assert time.monotonic() - started < 8.0
    assert {check.status for check in result.results} == {FAILED}
    assert result.score == 0


def test_unbounded_allocation_says_out_of_memory(tmp_path):
    result = grade(
        tmp_path,
        """
        def relu(x):
            hoard = []
            while True:
                hoard.append(np.ones(10**7))
        """,
        timeout=10.0,
    )
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
def test_exit_or_crash_fails_only_its_checks(tmp_path, body, reason):
    result = grade(tmp_path, f"def relu(x):\n    {body}\n")
    failures = assert_only_relu_fails(result)
    assert all(any(reason in line.en for line in check.lines) for check in failures)


# --- processes ----------------------------------------------------------------------------


def test_process_in_a_new_session_does_not_outlive_grading(tmp_path):
    token = f"{uuid.uuid4().hex[:8]}.5"
    grade(
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


def test_double_forked_daemon_does_not_outlive_grading(tmp_path):
    token = f"{uuid.uuid4().hex[:8]}.25"
    grade(
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


def test_killing_everything_it_can_reach_harms_nothing_outside(tmp_path, sandbox_facts):
    if not sandbox_facts["signals_contained"]:
        # never run this where it could work: kill(-1) would take the test runner with it
        pytest.skip("signals are not contained on this machine (no PID namespace, no Landlock scoping)")
    result = grade(
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


def test_hundreds_of_megabytes_of_output_stay_out_of_the_json(tmp_path):
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
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "exercise", "1", "--file", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert time.monotonic() - started < 30
    document = json.loads(completed.stdout)
    assert len(completed.stdout) < 200_000
    assert document["max_score"] > 0
    assert document["score"] < 99


# --- imports, files, network ---------------------------------------------------------------


@pytest.mark.skipif(LANDLOCK < 1, reason="without Landlock a submission that edits sys.path can import them")
def test_grader_packages_stay_out_of_reach_even_without_the_import_hook(tmp_path):
    result = grade(
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
def test_reference_source_can_not_be_read(tmp_path):
    result = grade(
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
def test_project_and_grader_code_can_not_be_written(tmp_path):
    target = ROOT / "grader" / "checks" / "ex01_activations.py"
    before = target.read_bytes()
    escape = tmp_path / "outside.txt"
    result = grade(
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


def test_network_connections_are_refused(tmp_path, pid_namespace):
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
    from grader.engine import get_exercise
    from grader.sandbox import SandboxPool

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
