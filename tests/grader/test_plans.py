"""Kept plans (grader.sandbox.plans): a grading server's first grading runs the last manifest while it builds checks.

The run started from a plan counts only if the manifest built afresh is the
very same; a plan that differs, is damaged or was edited costs a wasted run and
never a verdict.  The sandbox tests need Landlock, as every shared-inputs pool.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.grading import engine
from grader.grading.engine import grade_exercise, warm_pool
from grader.grading.progress import DONE, FINISHED
from grader.sandbox import client, confinement, plans
from grader.sandbox.plans import PlanStore

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
# relu changes its argument in place: the checks on shared inputs must still catch it
IN_PLACE = SOLUTION + "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n"
OPTIONS = {"exercise": 1, "timeout": 5.0, "jobs": 2, "memory": 1, "progress": False}

sandboxed = pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)


def _blob(text: str) -> tuple[str, bytes]:
    data = text.encode()
    return f"{hashlib.sha256(data).hexdigest()}.npy", data


def _manifest(tmp_path: Path) -> tuple[dict, Path]:
    """A manifest as ``Sandbox.manifest`` makes one for a pool that shares inputs, its two inputs written."""
    inputs = tmp_path / "pool" / "inputs"
    inputs.mkdir(parents=True)
    (name_a, a), (name_b, b) = _blob("first"), _blob("second")
    (inputs / name_a).write_bytes(a)
    (inputs / name_b).write_bytes(b)
    work = tmp_path / "grade-1"
    probe = {"steps": [{"op": "call", "target": "relu", "args": [{"ref": "x"}]}], "timeout": 5.0, "group": "relu"}
    manifest = {
        "learner_dir": str(work / "learner"),
        "out_dir": str(work / "out"),
        "module": "ex01_activations",
        "jobs": 2,
        "import_timeout": 5.0,
        "limits": {"memory_bytes": 1},
        "probes": [
            {"id": "p000", "dir": str(work / "p000"), "arrays": {"x": str(inputs / name_a)}, **probe},
            {"id": "p001", "dir": str(work / "p001"), "arrays": {"x": str(inputs / name_b)}, **probe},
        ],
        "inputs_dir": str(inputs),
    }
    return manifest, inputs


def test_a_kept_plan_comes_back_with_the_paths_of_another_sandbox_and_pool(tmp_path):
    manifest, inputs = _manifest(tmp_path)
    store = PlanStore(tmp_path / "plans", "version-1")
    assert store.load(OPTIONS) is None
    assert store.save(OPTIONS, manifest)
    [kept] = (tmp_path / "plans").iterdir()
    assert kept.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "plans").stat().st_mode & 0o777 == 0o700

    plan = store.load(OPTIONS)
    assert plan is not None
    assert plan.inputs == {path.name: path.read_bytes() for path in inputs.iterdir()}
    work, pool = tmp_path / "grade-2", tmp_path / "pool-2" / "inputs"
    again = plans.materialize(plan.manifest, work, work / "learner", work / "out", pool)
    text = json.dumps(manifest).replace(str(tmp_path / "grade-1"), str(work))
    expected = json.loads(text.replace(str(inputs), str(pool)))
    assert again == expected
    # another set of options, another grader version: not this plan
    assert store.load({**OPTIONS, "timeout": 2.0}) is None
    assert PlanStore(tmp_path / "plans", "version-2").load(OPTIONS) is None


def _edit(path: Path, edit) -> None:
    head, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    head, body = edit(header, body)
    path.write_bytes(head + b"\n" + body)


def _json(header) -> bytes:
    return json.dumps(header).encode()


@pytest.mark.parametrize(
    "damage",
    [
        lambda header, body: (_json(header), body[:-1] + bytes([body[-1] ^ 1])),  # an input's bytes changed
        lambda header, body: (_json(header), body[:-1]),  # cut short
        lambda header, body: (_json(header), body + b"x"),  # more than it names
        lambda header, body: (b"{not json", body),
        lambda header, body: (b"[1, 2]", body),
        lambda header, body: (_json({**header, "inputs": [["../../x.npy", 5]]}), body),
        lambda header, body: (_json({**header, "inputs": [[n, -1] for n, _ in header["inputs"]]}), body),
        lambda header, body: (
            _json({**header, "manifest": {**header["manifest"], "probes": [{"dir": "../../etc", "arrays": {}}]}}),
            body,
        ),
        lambda header, body: (
            _json({**header, "manifest": {**header["manifest"], "probes": [{"dir": "p000", "arrays": {"x": "/a"}}]}}),
            body,
        ),
        lambda header, body: (_json(header), body + b"\0" * plans.PLAN_LIMIT_BYTES),  # too large to read
    ],
)
def test_a_damaged_or_edited_plan_is_not_read(tmp_path, damage):
    manifest, _inputs = _manifest(tmp_path)
    store = PlanStore(tmp_path / "plans", "version-1")
    assert store.save(OPTIONS, manifest)
    [kept] = (tmp_path / "plans").iterdir()
    _edit(kept, damage)
    assert store.load(OPTIONS) is None


def test_a_manifest_a_plan_could_not_rebuild_is_not_kept(tmp_path):
    manifest, inputs = _manifest(tmp_path)
    store = PlanStore(tmp_path / "plans", "version-1")
    own_inputs = {**manifest, "probes": [{**manifest["probes"][0], "arrays": {"x": "in_x.npy"}}]}
    assert not store.save(OPTIONS, own_inputs)  # inputs in the probe's own folder: not the pool's
    assert not store.save(OPTIONS, {key: value for key, value in manifest.items() if key != "inputs_dir"})
    assert not store.save(OPTIONS, {**manifest, "progress_path": "/tmp/fifo"})  # a field it does not know
    for path in inputs.iterdir():
        path.unlink()
    assert not store.save(OPTIONS, manifest)  # its inputs are gone
    assert not (tmp_path / "plans").exists() or not list((tmp_path / "plans").iterdir())


def test_old_plans_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(plans, "PLANS_KEPT", 3)
    manifest, _inputs = _manifest(tmp_path)
    store = PlanStore(tmp_path / "plans", "version-1")
    for timeout in range(6):
        assert store.save({**OPTIONS, "timeout": timeout}, manifest)
        os.utime(store._path({**OPTIONS, "timeout": timeout}), (timeout, timeout))
    store._prune()
    assert sorted(path.name for path in (tmp_path / "plans").iterdir()) == sorted(
        store._path({**OPTIONS, "timeout": timeout}).name for timeout in (3, 4, 5)
    )


MANIFESTS = """
import hashlib, json, sys
from pathlib import Path
from grader.grading.engine import EXERCISES
from grader.sandbox import npyfile, plans
from grader.sandbox.client import Sandbox

class Pool:  # names each input as a pool that shares inputs does, writes nothing
    shares_inputs = True
    inputs_dir = Path("/nonexistent/inputs")
    code_dir = None
    def input_file(self, value):
        return str(self.inputs_dir / f"{hashlib.sha256(npyfile.to_bytes(value)).hexdigest()}.npy")

found = {}
for number, exercise in sorted(EXERCISES.items()):
    checks = exercise.build_checks()
    probes = list({id(check.probe): check.probe for check in checks}.values())
    for check in reversed(checks):
        check.probe.group = check.target
    sandbox = Sandbox(Path(sys.argv[1]), exercise.module, pool=Pool())
    try:
        found[number] = plans.relative(sandbox.manifest(probes))
    finally:
        sandbox.close()
print(json.dumps(found, sort_keys=True))
"""


def test_every_exercise_builds_the_same_manifest_in_every_process(tmp_path):
    """Otherwise no kept plan could ever be adopted: checks must be built the same way each time."""
    submission = tmp_path / "ex01_activations.py"
    submission.write_text(SOLUTION, encoding="utf-8")

    def build() -> dict:
        out = subprocess.run(
            [sys.executable, "-c", MANIFESTS, str(submission)], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    first, second = build(), build()
    assert sorted(first, key=int) == [str(number) for number in sorted(engine.EXERCISES)]
    assert all(first[number] is not None for number in first)
    assert first == second


# --- through the sandbox --------------------------------------------------------------------------------


@pytest.fixture
def fresh_server(monkeypatch):
    """Each ``warm_pool`` as a new grading server's: no checks built yet."""
    monkeypatch.setattr(engine, "_BUILT", {})
    return lambda: monkeypatch.setattr(engine, "_BUILT", {})


@pytest.fixture
def adopted(monkeypatch):
    """Per ``Sandbox.run``: whether it took the run its plan started."""
    seen: list[bool] = []
    original = client.Sandbox.run

    def run(self, *args, **kwargs):
        returned = original(self, *args, **kwargs)
        seen.append(self.adopted)
        return returned

    monkeypatch.setattr(client.Sandbox, "run", run)
    return seen


def _verdicts(result) -> list[tuple]:
    return [(check.name, check.status, check.score, check.lines, check.hint, check.error) for check in result.results]


@sandboxed
@pytest.mark.parametrize("source", [SOLUTION, IN_PLACE], ids=["solution", "relu-in-place"])
def test_a_new_server_runs_the_kept_plan_ahead_and_judges_it_as_ever(
    tmp_path, fresh_server, adopted, monkeypatch, source
):
    path = tmp_path / "ex01_activations.py"
    path.write_text(source, encoding="utf-8")
    store = PlanStore(tmp_path / "plans", "version-1")
    events: list[list] = [[], []]
    with warm_pool(plans=store):
        first = grade_exercise(1, path, progress=events[0].append)
        assert not (tmp_path / "plans").exists()  # written on the way out: after the server's answer
    assert adopted == [False]
    assert list((tmp_path / "plans").iterdir())
    fresh_server()
    build = engine.Exercise.build_checks

    def slow_build(self):  # as a new server's, which imports NumPy first: the run is over before it listens
        time.sleep(0.5)
        return build(self)

    monkeypatch.setattr(engine.Exercise, "build_checks", slow_build)
    with warm_pool(plans=store):
        again = grade_exercise(1, path, progress=events[1].append)
    assert adopted == [False, True]
    assert _verdicts(again) == _verdicts(first)
    assert again.passed == (source == SOLUTION)
    # the live display saw every check finish, and the end, also through a run that began before it listened
    for seen in events:
        assert {event.number for event in seen if event.kind == FINISHED} == set(range(1, len(first.results) + 1))
        assert seen[-1].kind == DONE


def _rewrite_plan(folder: Path, edit) -> None:
    [kept] = folder.iterdir()
    _edit(kept, edit)


def _other_input(header: dict, body: bytes) -> tuple[bytes, bytes]:
    """The plan's first probe with inputs reads an array of other values, named and sized as the format wants."""
    probe = next(probe for probe in header["manifest"]["probes"] if probe["arrays"])
    key, name = next(iter(probe["arrays"].items()))
    sizes = dict(header["inputs"])
    start = sum(size for other, size in header["inputs"] if other < name)
    data = bytearray(body[start : start + sizes[name]])
    data[-8:] = (123.0).hex().encode()[:8]  # other bytes at the end: another array of the same shape
    new = f"{hashlib.sha256(bytes(data)).hexdigest()}.npy"
    probe["arrays"][key] = new
    header["inputs"].append([new, len(data)])
    return _json(header), body + bytes(data)


def _longer_limit(header: dict, body: bytes) -> tuple[bytes, bytes]:
    header["manifest"]["probes"][0]["timeout"] = 99.0
    return _json(header), body


def _one_probe_less(header: dict, body: bytes) -> tuple[bytes, bytes]:
    header["manifest"]["probes"] = header["manifest"]["probes"][1:]
    return _json(header), body


@sandboxed
@pytest.mark.parametrize("edit", [_other_input, _longer_limit, _one_probe_less])
def test_a_plan_that_differs_from_the_checks_is_stopped_and_the_checks_run_as_built(
    tmp_path, fresh_server, adopted, edit
):
    path = tmp_path / "ex01_activations.py"
    path.write_text(IN_PLACE, encoding="utf-8")
    store = PlanStore(tmp_path / "plans", "version-1")
    with warm_pool(plans=store):
        first = grade_exercise(1, path)
    _rewrite_plan(tmp_path / "plans", edit)
    [kept] = (tmp_path / "plans").iterdir()
    options = json.loads(kept.read_bytes().partition(b"\n")[0])["options"]
    assert store.load(options) is not None  # still a plan it reads: only the run it starts differs
    fresh_server()
    with warm_pool(plans=store) as pool:
        again = grade_exercise(1, path)
        assert not pool._done  # the stopped run's request is over
    assert adopted == [False, False]
    assert _verdicts(again) == _verdicts(first)
    assert not again.passed


@sandboxed
def test_a_run_started_from_a_plan_is_stopped_when_the_checks_can_not_be_built(tmp_path, fresh_server, monkeypatch):
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION, encoding="utf-8")
    store = PlanStore(tmp_path / "plans", "version-1")
    with warm_pool(plans=store):
        assert grade_exercise(1, path).passed
    fresh_server()
    runs: list[client._Speculation] = []
    original = client._Speculation.__init__

    def started(self, *args, **kwargs):
        original(self, *args, **kwargs)
        runs.append(self)

    def broken(self):
        raise RuntimeError("the checks module is broken")

    monkeypatch.setattr(client._Speculation, "__init__", started)
    monkeypatch.setattr(engine.Exercise, "build_checks", broken)
    with warm_pool(plans=store) as pool:
        with pytest.raises(RuntimeError, match="broken"):
            grade_exercise(1, path)
        [run] = runs
        assert run.cancelled
        assert not run.thread.is_alive()
        assert not pool._done


class _FakePool:
    """Records what a speculative run sends; a run ends once it is killed."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.killed = threading.Event()

    def kill(self, request: str) -> None:
        self.sent.append(f"kill {request}")
        self.killed.set()


class _SlowToSend:
    """Stands for the sandbox: its run sends the request only when ``go`` is set (a thread that lost the CPU)."""

    def __init__(self, pool: _FakePool) -> None:
        self.pool = pool
        self.go = threading.Event()

    def _total(self, manifest):
        return 10.0

    def _run_pooled(self, pool, manifest, ids, total, progress, ready, requested):
        self.go.wait(10)
        pool.sent.append("run 1")
        requested("1")
        assert pool.killed.wait(10), "the run was never stopped"
        return []


@pytest.mark.parametrize("cancel_first", [True, False], ids=["cancelled-before-sent", "cancelled-after-sent"])
def test_a_cancelled_speculative_run_is_killed_whenever_its_request_goes_out(cancel_first):
    pool = _FakePool()
    sandbox = _SlowToSend(pool)
    run = client._Speculation(sandbox, pool, {"probes": []}, progress=False)  # type: ignore[arg-type]
    if not cancel_first:
        sandbox.go.set()
        deadline = time.monotonic() + 10
        while not run.request and time.monotonic() < deadline:
            time.sleep(0.001)
    stopper = threading.Thread(target=run.cancel)
    stopper.start()
    while not run.cancelled:
        time.sleep(0.001)
    sandbox.go.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert not run.thread.is_alive()
    assert pool.sent == ["run 1", "kill 1"]
