"""The learner's commands as plain functions (no command line), and the CLI's one map from errors to statuses."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import GraderError, InputLimitError, UsageError
from grader.learner import commands

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "exercises").mkdir()
    shutil.copy(ROOT / "solutions" / "ex01_activations.py", tmp_path / "exercises")
    shutil.copy(ROOT / "exercises" / "ex02_softmax_loss.py", tmp_path / "exercises")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_file_of_an_exercise_is_found_from_a_subfolder(workspace):
    notes = workspace / "notes"
    notes.mkdir()
    assert commands.exercise_file(1, None, start=notes) == workspace / "exercises" / "ex01_activations.py"
    with pytest.raises(UsageError, match="no exercises/ex03_"):
        commands.exercise_file(3, None, start=notes)


def test_outside_a_workspace_the_file_must_be_named(tmp_path):
    with pytest.raises(UsageError, match="name the file: grade exercise N --file PATH"):
        commands.exercise_file(1, None, start=tmp_path)
    with pytest.raises(UsageError, match="no such file"):
        commands.exercise_file(1, tmp_path / "missing.py")


def test_grading_remembers_the_result_for_grade_list(workspace):
    graded = commands.grade(1, None)
    assert graded.result.passed
    assert graded.warnings == []
    rows = commands.overview("en").out
    assert any(row.startswith(" 1  Activation") and row.endswith("passed") for row in rows)
    assert any(row.startswith(" 2  Output layer") and row.endswith("not attempted") for row in rows)


def test_the_next_hint_unfolds_one_level_per_call(workspace):
    stub = workspace / "exercises" / "ex02_softmax_loss.py"
    first = commands.next_hint(commands.grade(2, stub), "en").out
    assert any(line.startswith("hint 1 of ") for line in first)
    assert not any(line.startswith("hint 2 of ") for line in first)
    second = commands.next_hint(commands.grade(2, stub), "en").out
    assert any(line.startswith("hint 2 of ") for line in second)


def test_a_quiz_stopped_early_is_status_1_and_not_saved(workspace):
    quiz = commands.load_one_quiz(1, "en")
    lines = commands.take_quiz(quiz, "en", input=io.StringIO("a\n"), output=io.StringIO(), seed=1)
    assert lines.status == 1
    assert not (workspace / ".grade" / "quiz-attempts").exists()


def test_an_unknown_quiz_is_a_usage_error():
    with pytest.raises(UsageError, match="no quiz 99; the quizzes are 1, 2"):
        commands.load_one_quiz(99, "en")


# --- the CLI maps every GraderError in one place ---------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "shown"),
    [
        (GraderError("the sandbox could not start", ja="サンドボックスを起動できません"), 3, "grade: the sandbox"),
        (InputLimitError("the notebook is nested too deep", ja="深すぎます"), 2, "grade: the notebook"),
        (UsageError("there is no exercise 99"), 2, "Error: there is no exercise 99"),
    ],
)
def test_an_error_becomes_its_exit_status_and_one_message(monkeypatch, error, status, shown):
    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(commands, "overview", fails)
    result = CliRunner().invoke(main, ["list", "--lang", "en"])
    assert result.exit_code == status
    assert shown in result.output
    assert "Traceback" not in result.output


def test_the_message_follows_the_language_chosen(monkeypatch):
    def fails(*args, **kwargs):
        raise GraderError("the sandbox could not start", ja="サンドボックスを起動できません")

    monkeypatch.setattr(commands, "overview", fails)
    result = CliRunner().invoke(main, ["list", "--lang", "ja"])
    assert result.exit_code == 3
    assert "grade: サンドボックスを起動できません" in result.output


def test_no_command_maps_errors_by_hand():
    # the 13 hand-written mappings of the old cli.py are one: a command turning a GraderError into
    # click.UsageError or exit status 3 itself would bypass it (watch only reports a failed re-grading)
    source = (ROOT / "grader" / "cli.py").read_text(encoding="utf-8")
    assert "sys.exit(3)" not in source
    assert "click.UsageError(str(problem))" not in source
    assert issubclass(main.command_class, click.Command)


def test_a_broken_quiz_file_is_named_with_exit_status_3(tmp_path, monkeypatch):
    # QuizError keeps .message (problem; fix) as an attribute: the mapping must still print it
    (tmp_path / "en").mkdir()
    (tmp_path / "ja").mkdir()
    (tmp_path / "en" / "01-broken.md").write_text('+++\ntitle = "T"\n+++\n\n## Q {#q}\nWhat?\n\n- [ ] a\n- [ ] b\n')
    (tmp_path / "ja" / "01-broken.md").write_text('+++\ntitle = "T ja"\n+++\n\n## Q {#q}\n何?\n\n- [ ] a\n- [ ] b\n')
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(tmp_path))
    result = CliRunner().invoke(main, ["quiz", "1", "--lang", "en"])
    assert result.exit_code == 3
    assert "01-broken.md:8: question {#q} has no correct option" in result.output
    assert "Traceback" not in result.output


def test_grade_list_shows_the_quizzes_by_syllabus_area(workspace):
    from grader.quiz.bank import AREAS, load_bank

    quizzes, _ = load_bank()
    rows = commands.overview("en").out
    start = rows.index("\nBy syllabus area (E資格):")
    for key, title in AREAS.items():
        numbers = sorted(number for (number, lang), quiz in quizzes.items() if lang == "en" and quiz.area == key)
        row = next(row for row in rows[start:] if row.strip().startswith(title("en")))
        assert f"taken 0/{len(numbers)}" in row
        assert row.endswith(f"{', '.join(map(str, numbers))})")
    japanese = commands.overview("ja").out
    assert any(row.strip().startswith(AREAS["applied-math"]("ja")) for row in japanese)
