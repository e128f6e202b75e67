"""A warm pool keeps the code compiled from the learner's files (``SandboxPool(keep_code=True)``).

The grading server and ``grade watch`` grade the same files again and again:
their pool's servers keep what they compiled in the pool's ``code`` folder,
named by the SHA-256 of the source, and the next grading of the same bytes
loads it instead of compiling (the graded module and the learner's files it
names).  Only servers write or read that folder, before they confine
themselves; workers can do neither.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from pathlib import Path

import numpy as np
import pytest

from grader.grading.engine import grade_exercise, warm_pool
from grader.grading.results import Status
from grader.sandbox import client, confinement, plans, server

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

pytestmark = pytest.mark.skipif(
    confinement.landlock_abi() < 1 or bool(os.environ.get("GRADE_NO_CONFINE")), reason="Landlock is not available"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _kept(pool: client.SandboxPool) -> dict[str, int]:
    """The code folder's files: name -> modification time."""
    assert pool.code_dir is not None
    return {path.name: path.stat().st_mtime_ns for path in pool.code_dir.iterdir()}


def _verdicts(result) -> list[tuple[str, Status, str]]:
    return [(check.name, check.status, check.error) for check in result.results]


def _layers(tmp_path: Path) -> tuple[Path, Path]:
    """Exercise 7's worked solution and the exercise 2 file it imports, side by side."""
    layers, softmax = tmp_path / "ex07_layers.py", tmp_path / "ex02_softmax_loss.py"
    layers.write_bytes((SOLUTIONS / "ex07_layers.py").read_bytes())
    softmax.write_bytes((SOLUTIONS / "ex02_softmax_loss.py").read_bytes())
    return layers, softmax


def _past_the_limit(data: bytes) -> bytes:
    """``data`` with comment lines after it, one past ``NAMED_FILE_LIMIT_BYTES``: too large to be kept."""
    padding = b"# " + b"x" * 78 + b"\n"
    return data + padding * (server.NAMED_FILE_LIMIT_BYTES // len(padding) + 1)


FAILING_RELU = "import numpy as np\n\n\ndef relu(x):\n    return np.reshape(x, (7, 7))\n"  # line 5 raises


def _run_relu(pool: client.SandboxPool, path: Path) -> tuple[client.ProbeRun, str]:
    """One probe calling ``relu`` of ``path`` in a sandbox of ``pool``: how it ended, and that sandbox's folder."""
    with client.Sandbox(path, "ex01_activations", pool=pool) as sandbox:
        probe = client.Probe()
        probe.save(probe.call("relu", np.arange(3.0)), "y")
        [run] = sandbox.run([probe])
        return run, str(sandbox.learner_dir)


def _dated_files(folder: Path, count: int, size: int) -> None:
    """``count`` code files of ``size`` bytes in ``folder``, the one named N modified N seconds after the epoch."""
    for number in range(count):
        file = folder / f"{number:064x}.code"
        file.write_bytes(b"x" * size)
        os.utime(file, ns=(number * 10**9, number * 10**9))


def test_each_version_of_a_file_is_compiled_once_with_the_files_it_imports(tmp_path):
    layers, softmax = _layers(tmp_path)
    with warm_pool() as pool:
        assert pool.code_dir is not None
        assert pool.code_dir.stat().st_mode & 0o777 == 0o700
        first = grade_exercise(7, layers)
        kept = _kept(pool)
        # the graded module and the exercise 2 file it imports; none of the other exercise files
        assert set(kept) == {f"{_digest(layers)}.code", f"{_digest(softmax)}.code"}
        assert all((pool.code_dir / name).stat().st_mode & 0o777 == 0o600 for name in kept)
        again = grade_exercise(7, layers)
        assert _kept(pool) == kept  # loaded, not compiled and written again
        layers.write_bytes(layers.read_bytes() + b"\n# edited\n")
        edited = grade_exercise(7, layers)
        now = _kept(pool)
    assert first.passed
    assert again.passed
    assert edited.passed
    assert _verdicts(again) == _verdicts(first) == _verdicts(edited)
    # the edit is a new version: compiled and kept; the imported file is unchanged and not compiled again
    assert set(now) == {*kept, f"{_digest(layers)}.code"}
    assert now[f"{_digest(softmax)}.code"] == kept[f"{_digest(softmax)}.code"]


def _graded_once(pool: client.SandboxPool, path: Path) -> Path:
    """Grade exercise 1's worked solution at ``path`` in ``pool``'s warm grading; the code file kept for it."""
    path.write_bytes((SOLUTIONS / "ex01_activations.py").read_bytes())
    assert grade_exercise(1, path).passed
    assert pool.code_dir is not None
    kept = pool.code_dir / f"{_digest(path)}.code"
    assert kept.exists()
    return kept


def test_the_workers_run_the_kept_code(tmp_path):
    # the folder is the servers' own: what it holds for a file's digest is what runs (here, planted by the test)
    path = tmp_path / "ex01_activations.py"
    with warm_pool() as pool:
        kept = _graded_once(pool, path)
        wrong = path.read_text(encoding="utf-8") + "\n\ndef relu(x):\n    return x\n"
        kept.write_bytes(marshal.dumps(compile(wrong, "elsewhere.py", "exec")))
        planted = grade_exercise(1, path)
    relu = [check for check in planted.results if check.name.startswith("relu")]
    assert relu
    assert Status.FAILED in {check.status for check in relu}


def test_kept_code_reports_errors_at_the_file_of_this_grading(tmp_path):
    path = tmp_path / "ex01_activations.py"
    path.write_text(FAILING_RELU, encoding="utf-8")
    messages = []
    with client.SandboxPool(share_inputs=True, keep_code=True) as pool:
        assert pool.code_dir is not None
        for _ in range(2):  # compiled, then loaded from the folder into another sandbox's folder
            run, _folder = _run_relu(pool, path)
            assert run.status == "error"
            messages.append(run.message)
        assert (pool.code_dir / f"{_digest(path)}.code").exists()
    assert 'File "ex01_activations.py", line 5, in relu' in messages[1]
    assert messages[1] == messages[0]


def test_a_damaged_code_file_is_compiled_again(tmp_path):
    path = tmp_path / "ex01_activations.py"
    with warm_pool() as pool:
        kept = _graded_once(pool, path)
        whole = kept.read_bytes()
        kept.write_bytes(whole[: len(whole) // 2])
        assert grade_exercise(1, path).passed
        written = marshal.loads(kept.read_bytes())  # compiled and written whole again
    fresh = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    assert written == fresh  # (a code object's file name is not part of what == compares)


def test_a_file_that_does_not_compile_is_not_kept_and_is_reported_as_without_the_folder(tmp_path):
    layers, softmax = _layers(tmp_path)
    softmax.write_text("def softmax(x):\n    return x +\n", encoding="utf-8")
    cold = grade_exercise(7, layers, pool=None)
    with warm_pool() as pool:
        warm = grade_exercise(7, layers)
        kept = _kept(pool)
    assert set(kept) == {f"{_digest(layers)}.code"}
    assert not warm.passed
    assert _verdicts(warm) == _verdicts(cold)
    assert {check.error for check in warm.results} == {"SyntaxError"}


def test_a_large_imported_file_is_left_to_the_worker(tmp_path):
    # compiling a megabyte takes half a second: the server compiles only small files ahead of the workers
    layers, softmax = _layers(tmp_path)
    softmax.write_bytes(_past_the_limit(softmax.read_bytes()))
    with warm_pool() as pool:
        result = grade_exercise(7, layers)
        kept = _kept(pool)
    assert result.passed
    assert set(kept) == {f"{_digest(layers)}.code"}


def test_workers_can_neither_read_nor_write_the_code_folder(tmp_path):
    submission = tmp_path / "ex01_activations.py"
    submission.write_text(
        "import os\nimport numpy as np\n\n\ndef look(x, folder):\n"
        "    found = []\n"
        "    for attempt in (lambda: os.listdir(folder), lambda: open(os.path.join(folder, 'planted.code'), 'wb')):\n"
        "        try:\n            attempt()\n            found.append(1.0)\n"
        "        except OSError:\n            found.append(0.0)\n"
        "    return np.array(found)\n",
        encoding="utf-8",
    )
    with client.SandboxPool(share_inputs=True, keep_code=True) as pool:
        assert pool.code_dir is not None
        with client.Sandbox(submission, "ex01_activations", pool=pool) as sandbox:
            probe = client.Probe()
            probe.save(probe.call("look", np.zeros(2), str(pool.code_dir)), "y")
            [run] = sandbox.run([probe])
        kept = {path.name for path in pool.code_dir.iterdir()}
    assert run.status == "ok", run
    np.testing.assert_array_equal(run.output("y").array, [0.0, 0.0])
    assert kept == {f"{_digest(submission)}.code"}


def test_a_pool_not_asked_to_keeps_no_code(tmp_path):
    path = tmp_path / "ex01_activations.py"
    path.write_bytes((SOLUTIONS / "ex01_activations.py").read_bytes())
    with client.SandboxPool(share_inputs=True) as pool:
        assert pool.code_dir is None
        assert grade_exercise(1, path, pool=pool).passed
        assert not (pool.work_dir / "code").exists()


def test_learners_with_the_same_file_share_its_code_and_each_gets_its_own_file_name(tmp_path):
    # grade batch's pool: one compile per version of a file for the whole class
    paths = []
    for learner in ("alice", "bob"):
        (tmp_path / learner).mkdir()
        path = tmp_path / learner / "ex01_activations.py"
        path.write_text(FAILING_RELU, encoding="utf-8")
        paths.append(path)
    messages = []
    with client.SandboxPool(share_inputs=True, keep_code=True) as pool:
        assert pool.code_dir is not None
        for path in paths:
            run, learner_dir = _run_relu(pool, path)
            assert run.status == "error"
            messages.append(run.message)
            assert learner_dir not in run.message  # the learner sees their file's name, not the sandbox's folder
        kept = _kept(pool)
    assert set(kept) == {f"{_digest(paths[0])}.code"}
    assert messages[0] == messages[1]
    assert 'File "ex01_activations.py", line 5, in relu' in messages[1]


def test_a_large_graded_file_is_compiled_and_not_kept(tmp_path):
    # the folder is in RAM where /dev/shm is: a file larger than the limit is compiled each time, as without it
    path = tmp_path / "ex01_activations.py"
    path.write_bytes(_past_the_limit((SOLUTIONS / "ex01_activations.py").read_bytes()))
    with warm_pool() as pool:
        assert grade_exercise(1, path).passed
        assert _kept(pool) == {}


def test_the_pool_keeps_the_newest_code_files_within_its_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(client, "CODE_KEPT_BYTES", 1000)
    with client.SandboxPool(share_inputs=True, keep_code=True) as pool:
        assert pool.code_dir is not None
        _dated_files(pool.code_dir, 20, 100)
        pool._prune_code()
        left = sorted(int(path.stem, 16) for path in pool.code_dir.iterdir())
    assert left == list(range(10, 20))


def test_the_pool_keeps_the_newest_code_files(tmp_path):
    with client.SandboxPool(share_inputs=True, keep_code=True) as pool:
        assert pool.code_dir is not None
        _dated_files(pool.code_dir, client.CODE_KEPT + 10, 0)
        pool._prune_code()
        left = sorted(int(path.stem, 16) for path in pool.code_dir.iterdir())
    assert left == list(range(10, client.CODE_KEPT + 10))


def test_a_plan_keeps_no_code_folder_and_gets_the_pool_s_back(tmp_path):
    probe = {"id": "p000", "dir": str(tmp_path / "grade-1" / "p000"), "arrays": {}, "steps": [], "timeout": 2.0}
    manifest = {
        "learner_dir": str(tmp_path / "grade-1" / "learner"),
        "out_dir": str(tmp_path / "grade-1" / "out"),
        "module": "ex01_activations",
        "jobs": 1,
        "probes": [{**probe, "group": "relu"}],
        "inputs_dir": str(tmp_path / "pool-1" / "inputs"),
        "code_dir": str(tmp_path / "pool-1" / "code"),
    }
    kept = plans.relative(manifest)
    assert kept is not None
    assert "code_dir" not in json.dumps(kept)
    assert "pool-1" not in json.dumps(kept)
    work = tmp_path / "grade-2"
    again = plans.materialize(
        kept, work, work / "learner", work / "out", tmp_path / "pool-2" / "inputs", tmp_path / "pool-2" / "code"
    )
    assert again["code_dir"] == str(tmp_path / "pool-2" / "code")
    assert "code_dir" not in plans.materialize(kept, work, work / "learner", work / "out", tmp_path / "inputs")
