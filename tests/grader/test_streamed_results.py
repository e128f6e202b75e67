"""A pooled grading reads and judges each probe's result while later probes still run, with the same verdicts.

The sandbox server writes a probe's files as soon as its worker finished it and
says ``ready ID`` on its progress FIFO; the grader reads them then, and judges
them at once.  What counts is still what the files hold once the run has ended:
a result read early that was written again (a later worker could not import the
module) or replaced by anyone else is read again.
"""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.grading.engine import Check, grade_exercise
from grader.grading.progress import DONE, FINISHED, CheckEvent
from grader.grading.results import Status, Verdict
from grader.sandbox import confinement
from grader.sandbox.client import Probe, ProbeRun, Sandbox, SandboxEvent, SandboxPool, _ProgressFifo
from grader.sandbox.server import _frame

LANDLOCK = confinement.landlock_abi()

# relu is right and fast; sigmoid never returns, so its probe ends only when its time is up
FAST_THEN_HUNG = """
import numpy as np

def relu(x):
    return np.maximum(0, x)

def sigmoid(x):
    while True:
        pass
"""


@pytest.fixture(scope="module")
def pool():
    with SandboxPool() as warm:
        yield warm


def _submission(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "ex01_activations.py"
    path.write_text(textwrap.dedent(source))
    return path


def _probe(target: str) -> Probe:
    probe = Probe()
    probe.group = target
    probe.save(probe.call(target, np.array([-1.0, 0.0, 2.0])), "y")
    return probe


def _run(
    submission: Path, probes: list[Probe], pool: SandboxPool | None, timeout: float = 0.5
) -> tuple[list[ProbeRun], list[tuple[Any, ...]]]:
    """The runs, and every call of ``progress`` and ``ready`` in the order they came."""
    seen: list[tuple[Any, ...]] = []

    def progress(event: SandboxEvent) -> None:
        seen.append((event.kind, event.probe))

    def ready(index: int, run: ProbeRun) -> None:
        seen.append(("ready", index, run))

    with Sandbox(submission, "ex01_activations", timeout=timeout, jobs=1, pool=pool, share_after=60.0) as sandbox:
        runs = sandbox.run(probes, progress, ready) if pool is not None else sandbox.run(probes, progress)
    return runs, seen


def test_a_result_is_handed_over_while_a_later_probe_still_runs(tmp_path, pool):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    runs, seen = _run(submission, [_probe("relu"), _probe("sigmoid")], pool)
    assert [run.status for run in runs] == ["ok", "timeout"]
    handed = [entry for entry in seen if entry[0] == "ready"]
    # the server's lines come in the order it wrote them: relu's result before the hung probe's end
    assert seen.index(handed[0]) < seen.index(("end", 1))
    assert handed[0][1] == 0
    assert handed[0][2] is runs[0]  # read once, and that very run is the result
    np.testing.assert_array_equal(runs[0].output("y").array, [0.0, 0.0, 2.0])
    # the live display sees what a fresh server shows it: the ready lines add no event
    _fresh_runs, fresh = _run(submission, [_probe("relu"), _probe("sigmoid")], None)
    assert [entry for entry in seen if entry[0] != "ready"] == fresh


def _check(name: str, probe: Probe, calls: list[Any]) -> Check:
    def verify(run: ProbeRun) -> Verdict:
        calls.append(("verify", name))
        y = run.output("y").array
        return Verdict.ok() if np.allclose(y, [0.0, 0.0, 2.0]) else Verdict.fail([])

    return Check(f"{name}: the values of a small vector", f"{name}: 小さなベクトルの値", probe, verify)


def test_a_check_is_judged_before_a_later_check_s_probe_has_finished(tmp_path, pool):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    seen: list[Any] = []
    checks = [_check("relu", _probe("relu"), seen), _check("sigmoid", _probe("sigmoid"), seen)]

    def listener(event: CheckEvent) -> None:
        seen.append((event.kind, event.number))

    result = grade_exercise(1, submission, timeout=0.5, jobs=1, pool=pool, checks=checks, progress=listener)
    assert [check.status for check in result.results] == [Status.PASSED, Status.FAILED]
    assert result.results[1].error == "timeout"
    assert seen.count(("verify", "relu")) == 1  # judged once, early; the hung check never reaches verify
    assert ("verify", "sigmoid") not in seen
    assert seen.index(("verify", "relu")) < seen.index((FINISHED, 2)) < seen.index((DONE, 0))


def test_without_progress_or_ready_a_pooled_run_reads_each_result_once_at_the_end(
    tmp_path, pool, monkeypatch, fifos_made
):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    with_lines, _seen = _run(submission, [_probe("relu"), _probe("sigmoid")], pool)
    fifos_made.clear()  # the run with lines made one
    collected: list[str] = []
    original_collect = Sandbox._collect

    def collect(self: Sandbox, probe_id: str) -> ProbeRun:
        collected.append(probe_id)
        return original_collect(self, probe_id)

    monkeypatch.setattr(Sandbox, "_collect", collect)
    with Sandbox(submission, "ex01_activations", timeout=0.5, jobs=1, pool=pool, share_after=60.0) as sandbox:
        runs = sandbox.run([_probe("relu"), _probe("sigmoid")])
    assert fifos_made == []  # no channel: the server writes no line per probe
    assert collected == ["p000", "p001"]  # each result read once, after the run
    assert [run.status for run in runs] == [run.status for run in with_lines] == ["ok", "timeout"]
    np.testing.assert_array_equal(runs[0].output("y").array, with_lines[0].output("y").array)


def test_a_grading_judged_after_the_run_has_the_verdicts_of_one_judged_early(tmp_path, pool):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    results = {}
    for early in (True, False):
        seen: list[Any] = []
        checks = [_check("relu", _probe("relu"), seen), _check("sigmoid", _probe("sigmoid"), seen)]
        result = grade_exercise(1, submission, timeout=0.5, jobs=1, pool=pool, checks=checks, judge_early=early)
        results[early] = [(check.status, check.error, check.message("en")) for check in result.results]
        assert seen == [("verify", "relu")]
    assert results[False] == results[True]
    assert [status for status, _error, _message in results[False]] == [Status.PASSED, Status.FAILED]


# the module imports only in the worker that runs the first probe: a worker started later fails at import
IMPORTS_ONCE = """
import sys
import numpy as np

frame = sys._getframe()
while frame is not None and "batch" not in frame.f_locals:
    frame = frame.f_back
if frame is None or frame.f_locals["batch"][0]["id"] != "p000":
    raise ImportError("this file imports only once")

def relu(x):
    return np.maximum(0, x)

def sigmoid(x):
    while True:
        pass
"""


def test_a_result_handed_over_early_is_replaced_when_a_later_worker_fails_to_import(tmp_path, pool):
    submission = _submission(tmp_path, IMPORTS_ONCE)
    # relu runs and is written; sigmoid hangs, runs again alone, and that worker's import fails
    runs, seen = _run(submission, [_probe("relu"), _probe("sigmoid"), _probe("relu")], pool)
    assert [run.status for run in runs] == ["import_error"] * 3
    assert all(run.at_import for run in runs)
    handed = [entry for entry in seen if entry[0] == "ready"]
    first = [entry[2] for entry in handed if entry[1] == 0]
    # written early as relu's result, then once more with the import failure: that is what counts
    assert len(first) == 2
    assert first[-1] is runs[0]
    assert handed[0][1] == 0
    assert not handed[0][2].at_import


def test_a_file_that_fails_to_import_after_a_check_was_judged_is_reported_as_an_import_failure(tmp_path, pool):
    submission = _submission(tmp_path, IMPORTS_ONCE)
    checks = [_check("relu", _probe("relu"), []), _check("sigmoid", _probe("sigmoid"), [])]
    result = grade_exercise(1, submission, timeout=0.5, jobs=1, pool=pool, checks=checks)
    assert result.import_failure is not None
    assert "this file imports only once" in " ".join(line.en for line in result.import_failure.lines)
    assert [check.status for check in result.results] == [Status.FAILED, Status.FAILED]
    assert all(check.lines[0].en.startswith("not run:") for check in result.results)


def _ok(value: float) -> ProbeRun:
    return ProbeRun("ok", {}, message=str(value))


def test_the_engine_judges_again_a_check_whose_run_was_replaced(monkeypatch, tmp_path):
    """Only a judgment made from the very run ``Sandbox.run`` returns counts; others are made again."""
    submission = tmp_path / "ex01_activations.py"
    submission.write_text("")
    judged: list[str] = []

    def check(name: str) -> Check:
        def verify(run: ProbeRun) -> Verdict:
            judged.append(f"{name} {run.message}")
            return Verdict.ok() if run.message == "1.0" else Verdict.fail([])

        return Check(f"{name}: a value", f"{name}: 値", Probe(), verify)

    checks = [check("relu"), check("sigmoid")]
    early, final = _ok(2.0), _ok(1.0)
    kept = _ok(1.0)

    def run(self: Sandbox, probes: list[Probe], progress: Any = None, ready: Any = None) -> list[ProbeRun]:
        ready(0, early)  # read early, then written again: the final run is another one
        ready(1, kept)
        return [final, kept]

    monkeypatch.setattr(Sandbox, "run", run)
    monkeypatch.setattr(Sandbox, "start", lambda self: None)
    result = grade_exercise(1, submission, jobs=1, checks=checks)
    assert [check.status for check in result.results] == [Status.PASSED, Status.PASSED]
    assert judged == ["relu 2.0", "sigmoid 1.0", "relu 1.0"]


def test_the_engine_judges_no_import_failure_early(monkeypatch, tmp_path):
    submission = tmp_path / "ex01_activations.py"
    submission.write_text("")
    judged: list[ProbeRun] = []
    checks = [Check("relu: a value", "relu: 値", Probe(), lambda run: judged.append(run) or Verdict.ok())]
    failed = ProbeRun("import_error", {}, message="boom", at_import=True)

    def run(self: Sandbox, probes: list[Probe], progress: Any = None, ready: Any = None) -> list[ProbeRun]:
        ready(0, failed)
        return [failed]

    monkeypatch.setattr(Sandbox, "run", run)
    monkeypatch.setattr(Sandbox, "start", lambda self: None)
    result = grade_exercise(1, submission, jobs=1, checks=checks)
    assert result.import_failure is not None
    assert judged == []


def _files(values: list[float]) -> dict[str, bytes]:
    """A probe's two files as the server writes them, for a run that saved ``values`` as ``y``."""
    from grader.sandbox import npyfile

    result = {
        "status": "ok",
        "outputs": {"y": {"kind": "array", "pytype": "ndarray", "saved": True, "file": "out_y.npy"}},
    }
    frames = [("confined", b""), ("imported", b""), ("out_y.npy", npyfile.to_bytes(np.array(values)))]
    frames.append(("result.json", json.dumps(result).encode()))
    record = {"elapsed": 0.01, "timed_out": False, "limit": 5.0, "exit_code": 0}
    return {
        "result": b"".join(piece for label, blob in frames for piece in _frame(label, blob)),
        "json": json.dumps(record).encode(),
    }


def _write_result(out_dir: Path, probe_id: str, values: list[float]) -> None:
    """Write a probe's two files as the server does (each replaced whole)."""
    for suffix, data in _files(values).items():
        part = out_dir / f"{probe_id}.{suffix}.part"
        part.write_bytes(data)
        os.replace(part, out_dir / f"{probe_id}.{suffix}")


class _ForgingPool:
    """Stands for a pool whose server's FIFO and ``out/`` someone else wrote to before the server did."""

    shares_inputs = False
    code_dir = None

    def __init__(self, forge: str) -> None:
        self.forge = forge

    def run_manifest(
        self, manifest_path: Path, timeout: float, channel: _ProgressFifo | None = None, requested: object = None
    ) -> int:
        assert channel is not None
        out_dir = manifest_path.parent / "out"
        _write_result(out_dir, "p000", [9.0, 9.0, 9.0, 9.0])  # a forged result, announced as if by the server
        writer = os.open(channel.path, os.O_WRONLY | os.O_NONBLOCK)
        os.write(writer, b"ready p000\nready p001\nready p999\n")  # p001 has no files yet, p999 is no probe
        channel.drain()
        if self.forge == "replaced":
            _write_result(out_dir, "p000", [0.0, 0.0, 2.0])  # the server's own result comes after
        else:  # the forged file changed in place (the same inode) to the right result, after it was read
            with open(out_dir / "p000.result", "r+b") as handle:
                handle.write(_files([0.0, 0.0, 2.0])["result"])
                handle.truncate()
        _write_result(out_dir, "p001", [0.0, 0.0, 2.0])
        os.close(writer)
        channel.drain()
        return 0


@pytest.mark.parametrize("forge", ["replaced", "changed_in_place"])
def test_a_result_read_early_that_changed_before_the_end_is_read_again(tmp_path, forge):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    handed: list[tuple[int, ProbeRun]] = []
    with Sandbox(submission, "ex01_activations", pool=_ForgingPool(forge)) as sandbox:  # type: ignore[arg-type]
        runs = sandbox.run([_probe("relu"), _probe("relu")], ready=lambda index, run: handed.append((index, run)))
    # the forged result was read when announced, and no run came of a line for files not written
    assert [index for index, _run in handed] == [0]
    np.testing.assert_array_equal(handed[0][1].output("y").array, [9.0, 9.0, 9.0, 9.0])
    assert runs[0] is not handed[0][1]
    for run in runs:
        np.testing.assert_array_equal(run.output("y").array, [0.0, 0.0, 2.0])


# the submission tries to do the server's part: announce a probe on the progress FIFO and write its files
ANNOUNCES_ITSELF = """
import json
import os
import numpy as np

def relu(x):
    out = os.path.join(os.path.dirname(os.getcwd()), "out")
    done = [0.0, 0.0]
    try:
        fd = os.open(os.path.join(out, "progress"), os.O_WRONLY | os.O_NONBLOCK)
        os.write(fd, b"ready p001\\n")
        done[0] = 1.0
    except OSError:
        pass
    try:
        with open(os.path.join(out, "p001.json"), "w") as handle:
            handle.write(json.dumps({"elapsed": 0, "timed_out": False, "limit": 5, "exit_code": 0}))
        done[1] = 1.0
    except OSError:
        pass
    return np.array(done)

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""


@pytest.mark.skipif(LANDLOCK < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available here")
def test_the_learner_can_neither_announce_a_probe_nor_write_its_files(tmp_path, pool):
    submission = _submission(tmp_path, ANNOUNCES_ITSELF)
    runs, seen = _run(submission, [_probe("relu"), _probe("sigmoid")], pool, timeout=5.0)
    assert [run.status for run in runs] == ["ok", "ok"]
    np.testing.assert_array_equal(runs[0].output("y").array, [0.0, 0.0])  # both refused
    expected = 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0])))
    np.testing.assert_allclose(runs[1].output("y").array, expected)
    # each probe handed over once, by the server, after its result
    assert [entry[1] for entry in seen if entry[0] == "ready"] == [0, 1]


FORGES_AN_EARLIER_RESULT = """
import json
import os
import struct
import numpy as np

def relu(x):
    return np.maximum(0, x)

def _frame(label, data):
    raw = label.encode()
    return struct.pack(">I", len(raw)) + raw + struct.pack(">Q", len(data)) + data

def sigmoid(x):
    # a passing result for relu's probe, which the server has written already, then a broken stream
    result = {"status": "ok", "outputs": {"y": {"kind": "none", "pytype": "NoneType"}}}
    os.write(3, _frame("p000/result.json", json.dumps(result).encode()) + b"\\xff" * 64)
    return 1 / (1 + np.exp(-x))
"""


def test_a_stream_spoiled_after_a_probe_was_written_leaves_that_probe_s_result(tmp_path, pool):
    submission = _submission(tmp_path, FORGES_AN_EARLIER_RESULT)
    runs, seen = _run(submission, [_probe("relu"), _probe("sigmoid")], pool, timeout=5.0)
    assert [run.status for run in runs] == ["ok", "tampered"]
    np.testing.assert_array_equal(runs[0].output("y").array, [0.0, 0.0, 2.0])
    fresh_runs, _fresh = _run(submission, [_probe("relu"), _probe("sigmoid")], None, timeout=5.0)
    assert [run.status for run in fresh_runs] == ["ok", "tampered"]
    assert [entry[1] for entry in seen if entry[0] == "ready"] == [0, 1]
    assert all(entry[2] is run for entry, run in zip([e for e in seen if e[0] == "ready"], runs, strict=True))


# a stand-in zygote: for each ``run ID PATH`` it copies a probe's two files (argv[1]) for each of the
# manifest's probes and says ``ready`` for each on the manifest's FIFO, then ``final`` when asked to
# (argv[2]), and answers ``done ID 0`` only once the file argv[3] exists: a server that is still
# cleaning up after its results were final
FAKE_ZYGOTE = """
import json, os, shutil, sys, time

template, final, release = sys.argv[1:4]
for line in sys.stdin:
    words = line.split()
    if words[0] != "run":
        continue
    manifest = json.load(open(words[2]))
    fifo = os.open(manifest["progress_path"], os.O_WRONLY)
    for probe in manifest["probes"]:
        for suffix in ("result", "json"):
            shutil.copy(template + "." + suffix, os.path.join(manifest["out_dir"], probe["id"] + "." + suffix))
        os.write(fifo, ("ready " + probe["id"] + "\\n").encode())
    if final == "final":
        os.write(fifo, b"final\\n")
    os.close(fifo)
    while not os.path.exists(release):
        time.sleep(0.01)
    print("done", words[1], 0, flush=True)
"""


def _fake_pool(tmp_path: Path, final: bool) -> tuple[SandboxPool, Path]:
    """A pool of the stand-in zygote, and the file whose making lets it answer ``done``."""
    import subprocess
    import sys

    from grader.sandbox import spawn

    script, template, release = tmp_path / "fake_zygote.py", tmp_path / "template", tmp_path / "release"
    script.write_text(FAKE_ZYGOTE)
    for suffix, data in _files([0.0, 0.0, 2.0]).items():
        template.with_suffix("." + suffix).write_bytes(data)
    process = subprocess.Popen(
        [sys.executable, str(script), str(template), "final" if final else "wait", str(release)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    work = tmp_path / "pool"
    work.mkdir()
    return SandboxPool(started=spawn.Started(str(work), process, confine=False)), release


def test_the_grader_reads_the_results_once_the_server_says_final_not_once_it_has_ended(tmp_path):
    submission = _submission(tmp_path, FAST_THEN_HUNG)
    pool, release = _fake_pool(tmp_path, final=True)
    with pool, Sandbox(submission, "ex01_activations", pool=pool) as sandbox:
        runs = sandbox.run([_probe("relu"), _probe("relu")], ready=lambda index, run: None)
        # answered with no "done" from the server (it can not say it before ``release`` exists)
        for run in runs:
            np.testing.assert_array_equal(run.output("y").array, [0.0, 0.0, 2.0])
        release.touch()
        assert pool._process.stdin is not None
        pool._process.stdin.close()  # the stand-in answers "done", then ends
        pool._reader.join(10)
        assert not pool._reader.is_alive()
        # the late "done" was dropped, not kept
        assert pool._codes == {}
        assert pool._done == {}


def test_without_final_the_grader_waits_for_the_server_s_end(tmp_path):
    import threading

    submission = _submission(tmp_path, FAST_THEN_HUNG)
    pool, release = _fake_pool(tmp_path, final=False)
    released = threading.Event()

    def later() -> None:
        time.sleep(0.3)
        released.set()
        release.touch()

    with pool, Sandbox(submission, "ex01_activations", pool=pool) as sandbox:
        threading.Thread(target=later, daemon=True).start()
        runs = sandbox.run([_probe("relu"), _probe("relu")], ready=lambda index, run: None)
        assert released.is_set()  # it returned only after the server's "done"
        assert [run.status for run in runs] == ["ok", "ok"]


class _Lines(_ProgressFifo):
    """A progress FIFO that notes when ``final`` came, in ``seen`` beside the ``ready`` hand-overs."""

    seen: list[Any] = []

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "final" and value:
            _Lines.seen.append("final")
        super().__setattr__(name, value)


RETURNS = FAST_THEN_HUNG.replace("while True:\n        pass", "return x")


@pytest.mark.parametrize(
    ("source", "statuses"),
    [(RETURNS, ["ok", "ok", "ok"]), (FAST_THEN_HUNG, ["ok", "timeout", "ok"])],
    ids=["every-probe-finishes", "one-probe-hangs"],
)
def test_the_server_says_final_once_after_every_probe_s_ready_line(tmp_path, pool, monkeypatch, source, statuses):
    from grader.sandbox import client

    monkeypatch.setattr(client, "_ProgressFifo", _Lines)
    _Lines.seen = []
    submission = _submission(tmp_path, source)
    probes = [_probe("relu"), _probe("sigmoid"), _probe("relu")]
    with Sandbox(submission, "ex01_activations", timeout=0.5, jobs=1, pool=pool, share_after=60.0) as sandbox:
        runs = sandbox.run(probes, ready=lambda index, run: _Lines.seen.append(index))
    assert [run.status for run in runs] == statuses
    # every probe handed over (the hung one once its time is up, at the end), then "final", once
    assert sorted(set(_Lines.seen[:-1])) == [0, 1, 2]
    assert _Lines.seen[-1] == "final"
