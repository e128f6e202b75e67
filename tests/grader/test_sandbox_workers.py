"""Workers: one runs fast probes alone, a second takes half of the rest of slow ones, none forges another's result."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox.client import Probe, ProbeRun, Sandbox, SandboxEvent
from grader.sandbox.server import OPTIMISTIC_SECONDS, SHORT_FLOOR

WHERE = """
import os
import time
import numpy as np

def where(x):
    time.sleep({seconds})
    return np.array([os.getpid(), x[0]])
"""


def _run(tmp_path: Path, source: str, count: int, **options) -> list[ProbeRun]:
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(textwrap.dedent(source))
    probes = []
    for number in range(count):
        probe = Probe()
        probe.save(probe.call("where", np.array([float(number), 5.0])), "y")
        probes.append(probe)
    with Sandbox(learner, "ex01_activations", timeout=5.0, **options) as sandbox:
        return sandbox.run(probes)


def _pids_and_values(runs: list[ProbeRun]) -> tuple[set[int], list[float]]:
    assert [run.status for run in runs] == ["ok"] * len(runs)
    outputs = [run.output("y").array for run in runs]
    return {int(output[0]) for output in outputs}, [float(output[1]) for output in outputs]


def test_fast_probes_run_in_one_worker_even_with_two_jobs(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0), 6, jobs=2, share_after=60.0)
    pids, values = _pids_and_values(runs)
    assert len(pids) == 1
    assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_slow_probes_are_shared_with_a_second_worker(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0.03), 6, jobs=2, share_after=0.0)
    pids, values = _pids_and_values(runs)
    assert len(pids) >= 2
    assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # each probe's own result, in order


def test_one_job_never_shares(tmp_path):
    runs = _run(tmp_path, WHERE.format(seconds=0.01), 4, jobs=1, share_after=0.0)
    pids, _values = _pids_and_values(runs)
    assert len(pids) == 1


FORGER = """
import json
import os
import struct
import time
import numpy as np

def _frame(label, data):
    return struct.pack(">I", len(label)) + label.encode() + struct.pack(">Q", len(data)) + data

def where(x):
    if x[0] == 0.0:
        time.sleep(0.05)  # long enough for the server to have given the last probes to another worker
        forged = json.dumps({{"status": "ok", "outputs": {{"y": {{"kind": "none", "pytype": "Forged"}}}}}})
        for target in {targets}:
            os.write(3, _frame(target + "/result.json", forged.encode()))
    return np.array([os.getpid(), x[0]])
"""


@pytest.mark.parametrize(
    ("jobs", "targets"),
    [(1, ["p001"]), (2, ["p001"]), (2, ["p005"]), (2, ["p003", "p004", "p005"])],
    ids=["the next probe, one job", "the next probe", "a probe given to another worker", "several"],
)
def test_a_probe_can_not_forge_another_probes_result(tmp_path, jobs, targets):
    runs = _run(tmp_path, FORGER.format(targets=targets), 6, jobs=jobs, share_after=0.0)
    assert runs[0].status == "tampered"  # the probe whose code wrote the frames
    for number, run in enumerate(runs[1:], start=1):
        assert run.status == "ok"
        assert run.output("y").pytype == "ndarray"
        assert float(run.output("y").array[1]) == number


SLOW_FIRST = """
import os
import resource
import time
import numpy as np

def where(x):
    if x[0] == 0.0:
        {first}
    return np.array([os.getpid(), x[0], resource.getrlimit(resource.RLIMIT_CPU)[0]])
"""


def _run_counting_imports(tmp_path: Path, source: str, count: int, timeout: float) -> tuple[list[ProbeRun], int]:
    learner = tmp_path / "ex01_activations.py"
    learner.write_text(textwrap.dedent(source))
    probes = []
    for number in range(count):
        probe = Probe()
        probe.group = "where"
        probe.save(probe.call("where", np.array([float(number), 5.0])), "y")
        probes.append(probe)
    events: list[SandboxEvent] = []
    with Sandbox(learner, "ex01_activations", timeout=timeout, jobs=1, share_after=60.0) as sandbox:
        runs = sandbox.run(probes, progress=events.append)
    return runs, sum(event.kind == "import" for event in events)


def test_a_first_probe_slower_than_the_optimistic_budget_goes_on_in_its_worker(tmp_path):
    # it is the worker's first probe, as it would be alone: the worker goes on to the probe's own
    # limit (no second run of it) and the other probes go to a new worker
    source = SLOW_FIRST.replace("{first}", f"time.sleep({OPTIMISTIC_SECONDS + 0.3})")
    runs, imports = _run_counting_imports(tmp_path, source, 3, timeout=5.0)
    assert [run.status for run in runs] == ["ok", "ok", "ok"]
    outputs = [run.output("y").array for run in runs]
    assert [float(output[1]) for output in outputs] == [0.0, 1.0, 2.0]
    assert imports == 2
    assert int(outputs[0][0]) != int(outputs[1][0]) == int(outputs[2][0])
    # the CPU-time backstop of a worker that may go on covers the probe's own limit, not the budget's
    assert float(outputs[0][2]) >= 5.0


def test_a_first_probe_that_hangs_times_out_with_its_own_limit_and_the_rest_still_run(tmp_path):
    source = SLOW_FIRST.replace("{first}", "while True:\n            pass")
    runs, imports = _run_counting_imports(tmp_path, source, 3, timeout=1.0)
    assert [run.status for run in runs] == ["timeout", "ok", "ok"]
    assert runs[0].limit == 1.0
    assert imports == 2


def test_a_module_slower_to_import_than_the_optimistic_budget_is_imported_once(tmp_path):
    source = f"import time\ntime.sleep({OPTIMISTIC_SECONDS + 0.2})\n" + SLOW_FIRST.replace("{first}", "pass")
    runs, imports = _run_counting_imports(tmp_path, source, 3, timeout=5.0)
    assert [run.status for run in runs] == ["ok", "ok", "ok"]
    assert imports == 1


def test_a_worker_slower_to_confine_itself_than_the_optimistic_budget_fails_no_probe(tmp_path, monkeypatch):
    # on a busy machine a worker may not even have read its inputs and confined itself when the first pass's
    # budget (wall-clock) ends: no learner code ran, so that is no verdict; here its input is a FIFO whose
    # writer comes only after the budget (the worker waits in open() before it is confined)
    from grader.sandbox import npyfile

    delay = OPTIMISTIC_SECONDS + 0.4
    writers: list[threading.Thread] = []

    def late(path: Path, array: np.ndarray) -> None:
        os.mkfifo(path, 0o600)
        data = npyfile.to_bytes(array)

        def write() -> None:
            time.sleep(delay)
            deadline = time.monotonic() + 30
            while True:  # a reader (the worker) is waiting by now; it may open a moment later
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
            os.set_blocking(fd, True)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)

        writers.append(threading.Thread(target=write, daemon=True))
        writers[-1].start()

    monkeypatch.setattr(npyfile, "save", late)
    runs, imports = _run_counting_imports(tmp_path, SLOW_FIRST.replace("{first}", "pass"), 1, timeout=5.0)
    for writer in writers:
        writer.join(timeout=30)
    assert [run.status for run in runs] == ["ok"], runs[0].message
    assert float(runs[0].output("y").array[1]) == 0.0


def test_a_module_that_hangs_at_import_times_out_for_every_probe(tmp_path):
    source = "while True:\n    pass\n" + SLOW_FIRST.replace("{first}", "pass")
    runs, imports = _run_counting_imports(tmp_path, source, 2, timeout=1.0)
    assert [run.status for run in runs] == ["timeout", "timeout"]
    assert all(run.at_import for run in runs)
    assert imports == 1


def test_a_first_pass_worker_on_a_probe_with_the_short_limit_ends_it_without_a_second_run(tmp_path):
    # the first hang makes "where" slow; the second hang is the first probe of the next first-pass worker,
    # whose budget (0.3 s) is longer than the short limit: that run is the lone one, not run again
    source = SLOW_FIRST.replace("if x[0] == 0.0:", "if x[0] < 2.0:").replace("{first}", "while True:\n            pass")
    runs, imports = _run_counting_imports(tmp_path, source, 3, timeout=0.6)
    assert [run.status for run in runs] == ["timeout", "timeout", "ok"]
    assert [run.limit for run in runs[:2]] == [0.6, SHORT_FLOOR]
    assert imports == 3


def _written(read_fd: int) -> bytes:
    """Everything in the pipe now (b"" when it is empty)."""
    chunks = []
    while True:
        try:
            chunk = os.read(read_fd, 1 << 20)
        except BlockingIOError:
            chunk = b""
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@pytest.fixture
def result_pipe() -> Iterator[tuple[int, int]]:
    """A pipe as the server makes a worker's result pipe: 1 MB, read without blocking."""
    read_fd, write_fd = os.pipe()
    try:
        fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        os.set_blocking(read_fd, False)
        yield read_fd, write_fd
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_a_probe_s_small_arrays_go_with_its_result_in_order_and_large_ones_at_once(result_pipe):
    from grader.sandbox.server import HOLD_BYTES, _Frames, _Results

    read_fd, write_fd = result_pipe
    results = _Results(write_fd)
    results.start("p1")
    results.hold("out_a.npy", b"a" * 100)
    results.hold("out_b.npy", b"b" * 200)
    assert _written(read_fd) == b""  # held back: no write, no wake-up of the server yet
    large = b"c" * HOLD_BYTES
    results.hold("out_c.npy", large)  # too large to hold: written now, after what was held
    frames = _Frames(["p1"], 1 << 20)
    frames.add(_written(read_fd))
    assert [name for name, _data in frames.frames["p1"]] == ["out_a.npy", "out_b.npy", "out_c.npy"]
    results.flush()
    assert _written(read_fd) == b""  # nothing held
    results.hold("out_d.npy", b"d" * 10)
    results.send("result.json", b"{}")
    assert frames.add(_written(read_fd)) == ["p1"]
    assert [name for name, _data in frames.frames["p1"]][3:] == ["out_d.npy", "result.json"]
    assert [data for _name, data in frames.frames["p1"]][:3] == [b"a" * 100, b"b" * 200, large]
    assert not frames.broken
    # every byte counts against the result limit when it is held, as when it is written
    assert results.sent == frames.sizes["p1"] + sum(4 + 3 + len(name) + 8 for name, _ in frames.frames["p1"])


def test_a_large_array_is_written_from_its_own_buffer_as_the_npy_file_of_to_bytes(result_pipe, monkeypatch):
    """Saved arrays travel as to_bytes writes them: small ones held with the result, large ones at once, uncopied."""
    from grader.sandbox import npyfile, server
    from grader.sandbox.server import HOLD_BYTES, _Env, _Frames, _Results

    monkeypatch.setattr(server, "_NPY", npyfile)  # as main() loads it
    read_fd, write_fd = result_pipe
    results = _Results(write_fd)
    results.start("p1")
    env = _Env(np, None, results)
    rng = np.random.default_rng(0)
    small = rng.standard_normal((3, 4))
    large = rng.standard_normal((250, 400)).T  # Fortran order, 800 KB: its C-order copy is what is sent
    flags = np.arange(HOLD_BYTES + 1) % 3 == 0  # bool, one byte over: written at once too
    env.save(small, "small")
    env.save(large, "large")
    env.save(flags, "flags")
    env.save([[1, 2], [3, 4]], "listed")
    results.send("result.json", b"{}")
    frames = _Frames(["p1"], 1 << 22)
    assert frames.add(_written(read_fd)) == ["p1"]
    sent = dict(frames.frames["p1"])
    assert list(sent) == ["out_small.npy", "out_large.npy", "out_flags.npy", "out_listed.npy", "result.json"]
    for name, value in (("small", small), ("large", large), ("flags", flags), ("listed", [[1, 2], [3, 4]])):
        assert bytes(sent[f"out_{name}.npy"]) == npyfile.to_bytes(np.array(value)), name
        assert np.array_equal(npyfile.from_bytes(sent[f"out_{name}.npy"]), value)
    assert results.sent == sum(4 + 3 + len(name) + 8 + len(data) for name, data in frames.frames["p1"])


def _stream(*frames: tuple[str, bytes]) -> bytes:
    from grader.sandbox.server import _frame

    return b"".join(piece for label, data in frames for piece in _frame(label, data))


def test_frames_read_in_any_parts_are_the_frames_written(tmp_path, monkeypatch):
    """However the pipe cuts the stream (inside a header, a length or an array), each frame arrives whole, once."""
    from grader.sandbox import server
    from grader.sandbox.server import _Frames, _report, _Running

    large = np.random.default_rng(0).bytes(300_000)
    sent = [
        ("confined", b""),
        ("imported", b""),
        ("p1/out_a.npy", large),
        ("p1/out_b.npy", b""),
        ("p1/result.json", b'{"status": "ok"}'),
        ("p2/out_c.npy", b"c" * 70_000),
        ("p2/result.json", b'{"status": "ok"}'),
    ]
    stream = _stream(*sent)
    whole = _Frames(["p1", "p2"], 1 << 20)
    assert whole.add(stream) == ["p1", "p2"]
    rng = np.random.default_rng(1)
    for sizes in ([1] * 200, rng.integers(1, 20, 500), rng.integers(1, 100_000, 50)):
        frames, at, completed = _Frames(["p1", "p2"], 1 << 20), 0, []
        for size in [*sizes, len(stream)]:
            completed += frames.add(stream[at : at + int(size)])
            at += int(size)
        assert completed == ["p1", "p2"]
        assert frames.frames == whole.frames
        assert (frames.sizes, frames.total, frames.rest, frames.broken) == (whole.sizes, len(stream), b"", False)
    # and the probe's file holds its frames as they were sent (written in pieces, not joined first)
    worker = _Running.__new__(_Running)  # only what _report reads: no process
    worker.frames, worker.finished = whole, {"p1": {}}
    monkeypatch.setitem(server._MANIFEST, "out_dir", str(tmp_path))
    _report("p1", worker, {"elapsed": 0.0})
    p1 = [("out_a.npy", large), ("out_b.npy", b""), ("result.json", b'{"status": "ok"}')]
    written = _stream(("confined", b""), ("imported", b""), *p1)
    assert (tmp_path / "p1.result").read_bytes() == written
    # a finished probe's frames are all there: written once, the server lets go of them (and of the reads they hold)
    assert whole.frames["p1"] == []
    assert whole.frames["p2"]  # not written yet
    _report("p1", worker, {"elapsed": 0.0, "import_failed": True})  # a record written again keeps the same .result
    assert (tmp_path / "p1.result").read_bytes() == written
    assert json.loads((tmp_path / "p1.json").read_text()) == {"elapsed": 0.0, "import_failed": True}


def test_frames_are_taken_for_the_running_probe_only_and_a_given_away_probe_s_spoil_the_stream():
    """A worker's frames count for the probe it runs now, in its batch's order; never for one given to another."""
    from grader.sandbox.server import _Frames

    head = _stream(("confined", b""), ("imported", b""))
    frames = _Frames(["p1", "p2", "p3", "p4"], 1 << 20)
    assert frames.add(head + _stream(("p1/out_a.npy", b"a"), ("p1/result.json", b"{}"))) == ["p1"]
    assert frames.current() == "p2"
    frames.forget({"p3", "p4"})  # the server gave the last two to another worker (_Running.share)
    assert frames.add(_stream(("p2/result.json", b"{}"))) == ["p2"]
    assert (frames.current(), list(frames.frames), frames.broken) == ("", ["p1", "p2"], False)
    assert frames.add(_stream(("p3/result.json", b"{}"))) == []  # a probe given away: the learner forging it
    assert frames.broken

    ahead = _Frames(["p1", "p2"], 1 << 20)  # a frame of a later probe than the one running: forged too
    assert ahead.add(head + _stream(("p2/out_a.npy", b"a"))) == []
    assert ahead.broken
    again = _Frames(["p1", "p2"], 1 << 20)  # and of a probe whose result came already
    again.add(head + _stream(("p1/result.json", b"{}")))
    assert again.add(_stream(("p1/out_b.npy", b"b"))) == []
    assert again.broken


def test_a_large_frame_read_whole_is_kept_without_a_copy_and_one_of_many_reads_is_gathered():
    """The 800 KB sample of a probe is not copied on its way through; one of 2 MB in 4 KB reads arrives whole."""
    from grader.sandbox.server import HOLD_BYTES, _Frames

    large = np.random.default_rng(2).bytes(HOLD_BYTES)
    read = _stream(("p1/out_a.npy", large), ("p1/out_b.npy", b"small"), ("p1/result.json", b"{}"))
    frames = _Frames(["p1"], 1 << 22)
    assert frames.add(read) == ["p1"]
    (_, kept), (_, small), _ = frames.frames["p1"]
    assert isinstance(kept, memoryview)
    assert kept.obj is read  # a view of the read itself
    assert kept == large
    assert isinstance(small, bytes)  # copied: a view would keep the whole read alive
    huge = np.random.default_rng(3).bytes(2 << 20)
    stream = _stream(("p2/out_c.npy", huge), ("p2/result.json", b"{}"))
    frames = _Frames(["p2"], 1 << 22)
    done = [probe for at in range(0, len(stream), 4096) for probe in frames.add(stream[at : at + 4096])]
    assert done == ["p2"]
    assert bytes(frames.frames["p2"][0][1]) == huge
    assert (frames.rest, frames.broken) == (b"", False)


def test_an_out_file_is_whole_however_few_bytes_each_write_takes(tmp_path, monkeypatch):
    """More pieces than one writev takes, empty ones, and writes the kernel cuts short: the file is their sum."""
    from grader.sandbox import server

    pieces = [bytes([n % 251]) * (n % 7) for n in range(1_300)] + [b"x" * 100_000]
    real = os.writev
    calls = []

    def short(fd: int, buffers: list) -> int:
        calls.append(len(buffers))
        return real(fd, [memoryview(buffers[0])[:5], *buffers[1:3]])  # never more than 3 pieces, 5 bytes of the first

    monkeypatch.setattr(server.os, "writev", short)
    monkeypatch.setitem(server._MANIFEST, "out_dir", str(tmp_path))
    server._write_out("p1.result", pieces)
    assert (tmp_path / "p1.result").read_bytes() == b"".join(pieces)
    assert not (tmp_path / "p1.result.part").exists()
    assert max(calls) <= server.WRITE_PIECES


def test_held_arrays_never_hold_more_than_the_limit(result_pipe):
    from grader.sandbox.server import HOLD_BYTES, _Frames, _Results

    read_fd, write_fd = result_pipe
    results = _Results(write_fd)
    results.start("p1")
    for number in range(10):  # 10 x 10 KB: written in parts as the held bytes reach the limit
        results.hold(f"out_{number}.npy", bytes(10_000))
        assert results.held_bytes <= HOLD_BYTES
    frames = _Frames(["p1"], 1 << 20)
    frames.add(_written(read_fd))
    assert 0 < len(frames.frames["p1"]) < 10
    results.send("result.json", b"{}")
    frames.add(_written(read_fd))
    assert [name for name, _ in frames.frames["p1"]] == [f"out_{n}.npy" for n in range(10)] + ["result.json"]


def test_a_running_report_goes_after_the_arrays_held_before_it_and_never_inside_a_hold(result_pipe):
    from grader.sandbox.server import RUNNING_SIGNAL, _Frames, _report_running, _Results

    read_fd, write_fd = result_pipe
    results = _Results(write_fd)
    results.start("p1")
    handler = _report_running(results, "/nowhere")
    results.hold("out_a.npy", b"a")
    handler(RUNNING_SIGNAL, None)  # the learner's code is running: the report goes now
    frames = _Frames(["p1"], 1 << 20)
    frames.add(_written(read_fd))
    assert [name for name, _ in frames.frames["p1"]] == ["out_a.npy"]
    assert frames.running == {"p1": []}
    results.writing = True  # as inside hold or send: the handler must not write a frame in between
    handler(RUNNING_SIGNAL, None)
    assert _written(read_fd) == b""


def test_a_worker_ends_right_after_its_last_probe_s_result_without_waiting_for_the_server(tmp_path):
    """The ack after each result keeps the next probe's output out of this one's; after the last, nothing runs."""
    from grader.sandbox import npyfile, server

    (tmp_path / "ex01_last_probe.py").write_text("def relu(x):\n    print('relu', x)\n    return x\n")
    batch = [
        {"id": probe_id, "dir": str(tmp_path), "arrays": {}, "steps": [
            {"op": "call", "target": "relu", "args": [{"lit": float(number)}], "out": "y"},
            {"op": "save", "src": "y", "name": "y"},
        ]}
        for number, probe_id in enumerate(["p1", "p2"])
    ]  # fmt: skip
    pipes = [os.pipe() for _ in range(4)]  # result, stdout, stderr: worker writes; ack: server writes
    pid = os.fork()
    if pid == 0:
        try:
            server._MANIFEST.update({"learner_dir": str(tmp_path), "module": "ex01_last_probe", "limits": {}})
            server._CONFINEMENT, server._NPY = None, npyfile
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # fds 1 and 2, not pytest's capture
            sys.path.insert(0, str(tmp_path))
            server._worker(batch, 5.0, (pipes[0][1], pipes[1][1], pipes[2][1], pipes[3][0]))
        finally:
            os._exit(70)
    for read_end, write_end in pipes[:3]:
        os.close(write_end)
        os.set_blocking(read_end, False)
    os.close(pipes[3][0])
    frames = server._Frames(["p1", "p2"], 1 << 20)
    ended, status = 0, -1
    try:
        deadline = time.monotonic() + 10
        while frames.done != ["p1", "p2"] and time.monotonic() < deadline:
            if frames.add(_written(pipes[0][0])) == ["p1"]:
                os.write(pipes[3][1], b"k")  # the first probe's output was taken: the next may run
            time.sleep(0.005)
        assert frames.done == ["p1", "p2"]
        # no ack for the last probe: the worker has ended all the same (it waited for one before)
        while not ended and time.monotonic() < deadline:
            time.sleep(0.005)
            ended, status = os.waitpid(pid, os.WNOHANG)
        assert (ended, status) == (pid, 0)
        assert _written(pipes[1][0]) == b"relu 0.0\nrelu 1.0\n"
    finally:
        if not ended:  # a worker still waiting: end it (a reaped one's pid may be another process's now)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        for read_end, _write_end in pipes[:3]:
            os.close(read_end)
        os.close(pipes[3][1])
