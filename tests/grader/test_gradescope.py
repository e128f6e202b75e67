"""The Gradescope autograder bundle: its files, its source archive, and run_autograder on a fake /autograder."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.classroom.gradescope import build_bundle
from grader.cli import main
from grader.grading.engine import get_exercise

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_FILES = ["setup.sh", "run_autograder", "run_autograder.py", "autograder.json", "dlgrade-0.1.0.tar.gz"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    build_bundle([1, 2, 3], output, lang="en")
    return output


@pytest.fixture(scope="module")
def unpacked(bundle, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("source")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
        for info in archive.infolist():
            (folder / info.filename).chmod((info.external_attr >> 16) & 0o777)
    return folder


def test_the_bundle_holds_what_gradescope_runs(bundle):
    with zipfile.ZipFile(bundle) as archive:
        assert archive.namelist() == BUNDLE_FILES
        modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
        config = json.loads(archive.read("autograder.json"))
        setup = archive.read("setup.sh").decode()
        runner = archive.read("run_autograder").decode()
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert modes["run_autograder.py"] == 0o644
    assert config == {"exercises": [1, 2, 3], "lang": "en", "dlgrade": "0.1.0"}
    assert 'ARCHIVE="dlgrade-0.1.0.tar.gz"' in setup
    assert "/autograder/venv" in setup
    assert runner.startswith("#!/usr/bin/env bash\n")
    assert "exec /autograder/venv/bin/python /autograder/source/run_autograder.py" in runner


def test_the_shell_scripts_parse(unpacked):
    for name in ("setup.sh", "run_autograder"):
        done = subprocess.run(["bash", "-n", str(unpacked / name)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert os.access(unpacked / name, os.X_OK)


def test_the_source_archive_is_the_project_without_caches(unpacked):
    with tarfile.open(unpacked / "dlgrade-0.1.0.tar.gz") as archive:
        names = archive.getnames()
        pyproject = archive.extractfile("dlgrade-0.1.0/pyproject.toml").read()
    assert all(name.startswith("dlgrade-0.1.0/") for name in names)
    for expected in ("pyproject.toml", "README.md", "grader/grading/engine.py", "grader/sandbox/server.py",
                     "grader/checks/ex05_im2col.py", "grader/data/iris.csv", "reference/layers.py"):  # fmt: skip
        assert f"dlgrade-0.1.0/{expected}" in names
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert not any(name.startswith("dlgrade-0.1.0/tests") for name in names)
    # the worked solutions are a package of the wheel (`grade solution N`), so the build needs them; the
    # sandbox never lets a submission read the autograder's source (as it never could reference/)
    assert "dlgrade-0.1.0/solutions/ex01_activations.py" in names
    assert pyproject == (ROOT / "pyproject.toml").read_bytes()


def test_the_bundle_is_reproducible(bundle, tmp_path):
    again = tmp_path / "again.zip"
    build_bundle([1, 2, 3], again, lang="en")
    assert again.read_bytes() == bundle.read_bytes()


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="setuptools is not installed")
def test_the_source_archive_builds_a_wheel_offline(unpacked, tmp_path):
    # what setup.sh's pip install does first, without the network: build the project from the archive
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(tmp_path), str(unpacked / "dlgrade-0.1.0.tar.gz")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("dlgrade-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {"grader/sandbox/server.py", "grader/templates/report.html", "grader/data/iris.csv"} <= names


# --- run_autograder on a fake /autograder ------------------------------------------------------------------------


def fake_root(tmp_path: Path) -> Path:
    """/autograder with a submission: exercise 1 solved in a subfolder, exercise 2 untouched, exercise 3 missing."""
    root = tmp_path / "autograder"
    (root / "submission" / "exercises").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / "ex01_activations.py", root / "submission" / "exercises")
    shutil.copy(ROOT / "exercises" / "ex02_softmax_loss.py", root / "submission")
    # stray copies Gradescope uploads may hold: a macOS resource fork, a deeper duplicate
    (root / "submission" / "__MACOSX").mkdir()
    (root / "submission" / "__MACOSX" / "ex03_backward.py").write_text("garbage")
    (root / "submission" / "exercises" / "old").mkdir()
    (root / "submission" / "exercises" / "old" / "ex02_softmax_loss.py").write_text("raise SystemExit")
    return root


def run_autograder(unpacked: Path, root: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, GRADESCOPE_ROOT=str(root), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, str(unpacked / "run_autograder.py")],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_run_autograder_merges_every_exercise_into_results_json(unpacked, tmp_path):
    root = fake_root(tmp_path)
    done = run_autograder(unpacked, root)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    checks_1 = get_exercise(1).build_checks()
    checks_2 = get_exercise(2).build_checks()
    checks_3 = get_exercise(3).build_checks()
    tests = results["tests"]
    # one test per check of exercises 1 and 2, one for the missing exercise 3
    assert len(tests) == len(checks_1) + len(checks_2) + 1
    assert [test["name"] for test in tests[: len(checks_1)]] == [check.name for check in checks_1]
    assert {test["status"] for test in tests[: len(checks_1)]} == {"passed"}
    assert {test["status"] for test in tests[len(checks_1) : -1]} == {"failed"}
    assert "not attempted" in tests[len(checks_1)]["output"]
    missing = tests[-1]
    assert missing["name"] == "Exercise 3: file missing"
    assert missing["max_score"] == sum(check.points for check in checks_3)
    assert missing["score"] == 0
    assert "no ex03_*.py in the submission" in missing["output"]
    assert results["score"] == sum(check.points for check in checks_1)
    assert sum(test["max_score"] for test in tests) == sum(c.points for c in [*checks_1, *checks_2, *checks_3])
    assert len({test["number"] for test in tests}) == len(tests), "test numbers are unique"
    lines = results["output"].splitlines()
    assert lines[0] == "Exercise 1 (exercises/ex01_activations.py): Score 9/9 (100%): every check passed."
    assert lines[1].startswith("Exercise 2 (ex02_softmax_loss.py): Not attempted")
    # the copy not graded is named, as grade batch names it
    assert lines[-1].startswith("note: 2 files for exercise 2: graded ex02_softmax_loss.py")
    # the shallower ex02 was graded, not the copy in exercises/old
    assert "SystemExit" not in json.dumps(results)
    # the learner's files are left as they were
    assert (root / "submission" / "exercises" / "ex01_activations.py").read_bytes() == (
        ROOT / "solutions" / "ex01_activations.py"
    ).read_bytes()


def load_runner(unpacked: Path):
    spec = importlib.util.spec_from_file_location("run_autograder_under_test", unpacked / "run_autograder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_grader_that_fails_becomes_a_failed_test_not_a_crash(unpacked, tmp_path, monkeypatch):
    module = load_runner(unpacked)
    monkeypatch.setattr(
        module,
        "grade_command",
        lambda number, path, lang: [
            sys.executable,
            "-c",
            "import sys; print('sandbox broke', file=sys.stderr); sys.exit(3)",
        ],
    )
    root = fake_root(tmp_path)
    results = module.grade_all(root, [1], "en")
    (test,) = results["tests"]
    assert test["name"] == "Exercise 1: could not be graded"
    assert test["status"] == "failed"
    assert test["max_score"] == 9.0
    assert "exit status 3" in test["output"]
    assert "sandbox broke" in test["output"]
    assert results["score"] == 0


def test_a_grader_that_does_not_import_still_writes_every_exercise_as_failed(unpacked, tmp_path, monkeypatch):
    module = load_runner(unpacked)

    def no_grader(submission):
        raise ImportError("No module named 'grader'")

    monkeypatch.setattr(module, "submitted_files", no_grader)
    results = module.grade_all(fake_root(tmp_path), [1, 2], "en")
    assert [test["name"] for test in results["tests"]] == [
        "Exercise 1: could not be graded",
        "Exercise 2: could not be graded",
    ]
    assert results["score"] == 0
    assert "could not be imported (No module named 'grader')" in results["output"]


def test_an_empty_submission_in_japanese(unpacked, tmp_path):
    module = load_runner(unpacked)
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    results = module.grade_all(root, [1, 2], "ja")
    assert [test["name"] for test in results["tests"]] == ["課題 1: ファイルなし", "課題 2: ファイルなし"]
    assert "ex01_*.py がありません" in results["output"]


def test_submitted_files_prefer_the_shallowest_copy(unpacked, tmp_path):
    module = load_runner(unpacked)
    root = fake_root(tmp_path)
    found, problems = module.submitted_files(root / "submission")
    assert sorted(found) == [1, 2]
    assert found[2][0] == "ex02_softmax_loss.py"
    assert found[2][1] == (ROOT / "exercises" / "ex02_softmax_loss.py").read_text(encoding="utf-8")
    assert found[1][0] == "exercises/ex01_activations.py"
    assert problems == [
        "2 files for exercise 2: graded ex02_softmax_loss.py (the shallowest; then .py over .ipynb over a zip; "
        "then by name), not exercises/old/ex02_softmax_loss.py; keep one copy of each exercise"
    ]


def duplicates_folder(folder: Path) -> Path:
    """Candidates where the old rules parted: batch took the shallowest, the bundle the first name (8/9 vs 9/9)."""
    import zipfile

    folder.mkdir(parents=True)
    (folder / "ex01_zz.py").write_text((ROOT / "solutions" / "ex01_activations.py").read_text())
    (folder / "a").mkdir()
    (folder / "a" / "ex01_aa.py").write_text("raise SystemExit  # the deeper copy")
    # exercise 2: a notebook and a .py at the same depth, and a zip entry at the top of a zip (depth 1)
    (folder / "b").mkdir()
    (folder / "b" / "ex02_softmax_loss.ipynb").write_text('{"cells": [], "nbformat": 4}')
    (folder / "b" / "ex02_z.py").write_text("# the .py wins over the notebook at the same depth\n")
    with zipfile.ZipFile(folder / "upload.zip", "w") as archive:
        archive.writestr("ex02_a.py", "# a zip entry, as deep as b/\n")
        archive.writestr("ex03_backward.py", "# only in the zip\n")
    return folder


def test_batch_and_the_bundle_pick_the_same_file(unpacked, tmp_path):
    from grader.classroom.batch import discover, plan

    class_dir = tmp_path / "class"
    duplicates_folder(class_dir / "ann")
    module = load_runner(unpacked)
    bundle, _ = module.submitted_files(class_dir / "ann")
    (learner,) = discover(class_dir)
    tasks = plan([learner], None)
    batch = {task.exercise: task.shown for task in tasks}
    assert {number: shown for number, (shown, _text, _name) in bundle.items()} == batch
    assert bundle[2][2] == "ex02_z.py"
    assert batch == {1: "ex01_zz.py", 2: "b/ex02_z.py", 3: "upload.zip/ex03_backward.py"}
    assert {task.exercise: task.candidate.source for task in tasks} == {1: "py", 2: "py", 3: "zip"}
    problems = " | ".join(learner.problems)
    assert "graded ex01_zz.py" in problems
    assert "not a/ex01_aa.py" in problems
    assert "3 files for exercise 2: graded b/ex02_z.py" in problems
    assert "not b/ex02_softmax_loss.ipynb, upload.zip/ex02_a.py" in problems


# --- the command --------------------------------------------------------------------------------------------


def test_grade_gradescope_writes_the_zip(tmp_path):
    output = tmp_path / "ag.zip"
    result = CliRunner().invoke(main, ["gradescope", "4", "5", "-o", str(output), "--lang", "ja"])
    assert result.exit_code == 0, result.output
    assert "Configure Autograder" in result.output
    with zipfile.ZipFile(output) as archive:
        assert json.loads(archive.read("autograder.json"))["exercises"] == [4, 5]
        assert json.loads(archive.read("autograder.json"))["lang"] == "ja"
    assert stat.S_ISREG(output.stat().st_mode)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["gradescope", "42"], "there is no exercise 42", id="unknown-exercise"),
        pytest.param(["gradescope"], "Missing argument 'EXERCISE...'", id="no-exercise"),
    ],
)
def test_grade_gradescope_usage_errors(arguments, message, tmp_path):
    result = CliRunner().invoke(main, [*arguments, "-o", str(tmp_path / "x.zip")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.zip").exists()
