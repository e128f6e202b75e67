"""Inside ``engine.warm_pool`` (the grading server, ``grade watch``), the checks' inputs are written once.

The checks of an exercise are built once per warm pool (``engine._BUILT``), so
their input arrays go into the pool's shared, read-only folder the first time
and every later grading's sandbox reads them there.  Checks built per grading
(a notebook's) still get files of their own: the pool keeps what it shares for
its life.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from grader.grading.engine import get_exercise, grade_exercise, warm_pool
from grader.grading.results import Status
from grader.sandbox import client, confinement, npyfile

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)


@pytest.fixture
def probe_folders(monkeypatch):
    """The names of the ``pNNN`` input folders each grading's sandbox made, per grading."""
    made: list[list[str]] = []
    original = client.Sandbox._collect

    def collect(self, probe_id):
        if probe_id == "p000":
            made.append(sorted(path.name for path in self.work_dir.iterdir() if path.name.startswith("p")))
        return original(self, probe_id)

    monkeypatch.setattr(client.Sandbox, "_collect", collect)
    return made


def test_a_warm_pool_writes_each_input_once_and_gradings_make_no_input_files(tmp_path, probe_folders):
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION, encoding="utf-8")
    with warm_pool() as pool:
        assert pool.shares_inputs
        assert grade_exercise(1, path).passed
        written = sorted(pool.inputs_dir.iterdir())
        kept = len(pool._shared)
        assert written
        assert all(file.stat().st_mode & 0o777 == 0o444 for file in written)
        assert grade_exercise(1, path).passed
        assert sorted(pool.inputs_dir.iterdir()) == written
        assert len(pool._shared) == kept
        # checks built for one grading (a notebook's) are not kept by the pool: their inputs are their own
        assert grade_exercise(1, path, checks=get_exercise(1).build_checks()).passed
        assert len(pool._shared) == kept
    assert probe_folders[0] == probe_folders[1] == []
    assert probe_folders[2]


def test_a_wrong_answer_on_shared_inputs_is_still_caught(tmp_path):
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION + "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n", encoding="utf-8")
    with warm_pool():
        first = grade_exercise(1, path)
        again = grade_exercise(1, path)
    relu = [check for check in first.results if check.target == "relu"]
    assert relu
    assert Status.FAILED in {check.status for check in relu}
    assert [(check.name, check.status) for check in again.results] == [
        (check.name, check.status) for check in first.results
    ]


def test_the_zygote_reads_the_shared_inputs_once_for_every_later_grading(tmp_path):
    path = tmp_path / "ex01_activations.py"
    path.write_text(SOLUTION, encoding="utf-8")
    with warm_pool() as pool:
        first = grade_exercise(1, path)
        for file in pool.inputs_dir.iterdir():
            file.unlink()  # from now on only what the zygote read can feed the checks
        again = grade_exercise(1, path)
    assert first.passed
    assert again.passed
    assert [(check.name, check.status) for check in again.results] == [
        (check.name, check.status) for check in first.results
    ]


def test_the_zygote_loads_no_file_outside_the_pool_s_inputs_folder(tmp_path):
    submission = tmp_path / "ex01_activations.py"
    submission.write_text("def ident(x):\n    return x\n", encoding="utf-8")
    with client.SandboxPool(share_inputs=True) as pool, client.Sandbox(submission, "ex01_activations") as sandbox:
        probe_dir = sandbox.work_dir / "p000"
        probe_dir.mkdir()
        data = npyfile.to_bytes(np.arange(3.0))
        outside = probe_dir / f"{hashlib.sha256(data).hexdigest()}.npy"  # a pool input's name, in another folder
        outside.write_bytes(data)
        pool.inputs_dir.mkdir()
        linked = pool.inputs_dir / outside.name  # in the folder, but a link to a file outside it
        linked.symlink_to(outside)
        steps = [
            {"op": "call", "target": "ident", "args": [{"ref": "x"}], "out": "y"},
            {"op": "save", "src": "y", "name": "y"},
        ]
        probes = [
            {"id": f"p00{n}", "dir": str(probe_dir), "arrays": {"x": str(file)}, "steps": steps, "timeout": 5.0}
            for n, file in enumerate((outside, linked))
        ]
        manifest = {
            "learner_dir": str(sandbox.learner_dir),
            "out_dir": str(sandbox.out_dir),
            "module": "ex01_activations",
            "jobs": 1,
            "limits": {"memory_bytes": 0},
            "probes": probes,
            "inputs_dir": str(pool.inputs_dir),
        }
        manifest_path = sandbox.work_dir / "manifest.json"
        manifest_path.write_text(json.dumps(manifest))
        for file in (outside, linked):
            pool._send(f"load {file}")
        assert pool.run_manifest(manifest_path, 30.0) == 0  # the zygote has read every line before this answer
        before = [sandbox._collect(probe["id"]).output("y").array for probe in probes]
        outside.write_bytes(npyfile.to_bytes(np.arange(5.0)))  # had the zygote kept either, a worker would not see this
        assert pool.run_manifest(manifest_path, 30.0) == 0
        after = [sandbox._collect(probe["id"]).output("y").array for probe in probes]
    for array in before:
        np.testing.assert_array_equal(array, np.arange(3.0))
    for array in after:
        np.testing.assert_array_equal(array, np.arange(5.0))
