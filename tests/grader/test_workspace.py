"""A learner's workspace: grade init, the course material it copies, results kept in .grade/, grade list."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import course_root, quizzes_root, stub_path, stub_paths
from grader.grading.engine import EXERCISES
from grader.learner.workspace import exercise_status, is_learners_file
from grader.quiz.bank import quiz_root

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"
SOLUTION_2 = ROOT / "solutions" / "ex02_softmax_loss.py"
IN_PLACE_RELU = "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n"


def grade(*args: str, cwd: Path, input: str | None = None):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), input=input)
    finally:
        os.chdir(old)


def init(folder: Path, *extra: str, cwd: Path):
    return grade("init", str(folder), "--lang", "en", *extra, cwd=cwd)


# --- the course material ------------------------------------------------------------------


def test_course_material_is_found_in_the_checkout(monkeypatch):
    monkeypatch.delenv("GRADE_QUIZ_ROOT", raising=False)
    assert course_root() == ROOT
    assert quizzes_root() == ROOT / "quizzes" == quiz_root()
    assert sorted(stub_paths()) == sorted(EXERCISES)
    assert stub_path(5) == ROOT / "exercises" / "ex05_im2col.py"


# --- grade init ---------------------------------------------------------------------------------


def test_init_creates_stubs_readme_and_progress_folder(tmp_path):
    result = init(tmp_path / "ws", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    workspace = tmp_path / "ws"
    for number, stub in stub_paths().items():
        copied = workspace / "exercises" / stub.name
        assert copied.read_bytes() == stub.read_bytes(), number
    assert (workspace / ".grade").is_dir()
    readme = (workspace / "README.md").read_text(encoding="utf-8")
    for command in ("grade exercise 1", "grade watch 1", "grade hint 1", "--warm-up", "grade list", "grade quiz 1"):
        assert command in readme
    assert "ワークスペース" in readme
    assert f"{len(stub_paths())} stubs" in result.output
    assert "cd ws" in result.output


def test_init_never_overwrites_a_learners_work(tmp_path):
    workspace = tmp_path / "ws"
    (workspace / "exercises").mkdir(parents=True)
    mine = workspace / "exercises" / "ex01_activations.py"
    mine.write_text("# my work\n", encoding="utf-8")
    renamed = workspace / "exercises" / "ex03_my_backprop.py"
    renamed.write_text("# my backprop\n", encoding="utf-8")
    (workspace / "README.md").write_text("my notes\n", encoding="utf-8")
    result = init(workspace, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert mine.read_text(encoding="utf-8") == "# my work\n"
    assert renamed.read_text(encoding="utf-8") == "# my backprop\n"
    assert not (workspace / "exercises" / "ex03_backward.py").exists()  # one file per exercise
    assert (workspace / "README.md").read_text(encoding="utf-8") == "my notes\n"
    assert (workspace / "exercises" / "ex02_softmax_loss.py").is_file()
    kept = result.output.split("Kept as they are (yours, not changed):")[1]
    assert "exercises/ex01_activations.py" in kept
    assert "exercises/ex03_my_backprop.py" in kept
    assert "README.md" in kept
    assert f"{len(stub_paths()) - 2} stubs" in result.output  # exercises 1 and 3 are the learner's


def test_init_again_adds_nothing_and_says_so(tmp_path):
    assert init(tmp_path / "ws", cwd=tmp_path).exit_code == 0
    again = grade("init", "ws", "--lang", "ja", cwd=tmp_path)
    assert again.exit_code == 0
    assert "追加するものはありません" in again.output
    assert "exercises/ex10_train.py" in again.output


def test_init_refuses_a_folder_with_other_content(tmp_path):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.tex").write_text("\\documentclass{article}\n", encoding="utf-8")
    refused = init(tmp_path / "home", cwd=tmp_path)
    assert refused.exit_code == 2
    assert "already holds other files" in refused.output
    assert "--allow-nonempty" in refused.output
    assert sorted(path.name for path in (tmp_path / "home").iterdir()) == ["thesis.tex"]
    allowed = init(tmp_path / "home", "--allow-nonempty", cwd=tmp_path)
    assert allowed.exit_code == 0, allowed.output
    assert (tmp_path / "home" / "exercises" / "ex01_activations.py").is_file()
    assert (tmp_path / "home" / "thesis.tex").is_file()


def test_init_accepts_a_folder_with_only_hidden_entries(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    result = init(tmp_path / "repo", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "repo" / "exercises" / "ex01_activations.py").is_file()


def test_init_on_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = init(tmp_path / "file", cwd=tmp_path)
    assert result.exit_code == 2
    assert "is a file" in result.output


# --- results kept in .grade/ and grade list -----------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    assert init(tmp_path / "ws", cwd=tmp_path).exit_code == 0
    (tmp_path / "ws" / "notes" / "week1").mkdir(parents=True)
    return tmp_path / "ws"


def test_grading_from_a_subdirectory_is_remembered(workspace):
    (workspace / "exercises" / "ex01_activations.py").write_text(
        SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU, encoding="utf-8"
    )
    result = grade("exercise", "1", "--lang", "en", cwd=workspace / "notes" / "week1")
    assert result.exit_code == 1
    record = json.loads((workspace / ".grade" / "results" / "ex01.json").read_text(encoding="utf-8"))
    assert record["file"] == "exercises/ex01_activations.py"
    assert record["attempted"] is True
    assert record["passed"] is False
    failed = [check["name"] for check in record["checks"] if check["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0].startswith("relu:")


def test_another_file_is_not_recorded_as_the_learners(workspace):
    result = grade("exercise", "2", "--file", str(SOLUTION_2), cwd=workspace)
    assert result.exit_code == 0
    assert not (workspace / ".grade" / "results" / "ex02.json").exists()
    assert exercise_status(workspace, 2).state == "not_attempted"
    assert is_learners_file(workspace, workspace / "exercises" / "ex02_softmax_loss.py")
    assert is_learners_file(workspace, workspace / "notes" / "work.ipynb")
    assert not is_learners_file(workspace, SOLUTION_2)
    assert not is_learners_file(workspace, workspace / "notes" / "ex02_softmax_loss.py")


def _row(output: str, number: int) -> str:
    table = output.split("\n\n")[0]
    return next(line for line in table.splitlines() if line.startswith(f"{number:2d}  "))


def test_list_shows_not_attempted_failing_and_passed_in_both_languages(workspace):
    exercises = workspace / "exercises"
    (exercises / "ex01_activations.py").write_text(
        SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU, encoding="utf-8"
    )
    (exercises / "ex02_softmax_loss.py").write_text(SOLUTION_2.read_text(encoding="utf-8"), encoding="utf-8")
    subfolder = workspace / "notes"
    assert grade("exercise", "1", cwd=subfolder).exit_code == 1
    assert grade("exercise", "2", cwd=subfolder).exit_code == 0
    assert grade("exercise", "3", cwd=subfolder).exit_code == 1  # the untouched stub

    listing = grade("list", "--lang", "en", cwd=subfolder)
    assert listing.exit_code == 0, listing.output
    total = len(EXERCISES[1].build_checks())
    first = _row(listing.output, 1)
    assert first.endswith(f"failing ({total - 1} of {total} checks pass)")
    assert "ex01_activations.py" in first
    assert _row(listing.output, 2).endswith("passed")
    assert _row(listing.output, 3).endswith("not attempted")
    assert _row(listing.output, 4).endswith("not attempted")  # never graded
    assert "Confirmation tests (grade quiz N):" in listing.output

    ja = grade("list", "--lang", "ja", cwd=subfolder).output
    assert _row(ja, 1).endswith(f"不合格({total} 件中 {total - 1} 件合格)")
    assert _row(ja, 2).endswith("合格")
    assert _row(ja, 3).endswith("未着手")
    assert "確認テスト" in ja

    with (exercises / "ex02_softmax_loss.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# trying something\n")
    assert _row(grade("list", "--lang", "en", cwd=subfolder).output, 2).endswith("passed, edited since")


def test_a_damaged_results_file_reads_as_not_attempted(workspace):
    (workspace / ".grade" / "results").mkdir()
    (workspace / ".grade" / "results" / "ex01.json").write_text("{ half a fi", encoding="utf-8")
    listing = grade("list", "--lang", "en", cwd=workspace)
    assert listing.exit_code == 0
    assert _row(listing.output, 1).endswith("not attempted")
