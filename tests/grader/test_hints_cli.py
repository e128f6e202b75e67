"""Hints that unfold: a failed check shows the first hint; grade hint N shows the next and remembers."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.grading.hints as hints
from grader.cli import main
from grader.grading.hints import LEVELS, hint_ladders, ladder, with_first_hint
from grader.grading.results import CheckResult, Status
from grader.text import Text

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"
STUB_1 = ROOT / "exercises" / "ex01_activations.py"
IN_PLACE_RELU = "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n"
GREATER_EQUAL_STEP = "\n\ndef step_function(x):\n    return np.array(np.asarray(x) >= 0, dtype=np.int64)\n"
CRASHING_RELU = "\n\ndef relu(x):\n    import os\n    os.abort()\n"
IN_PLACE = "an argument was changed"  # the relu check's own hint (grader.checks.common.IN_PLACE_HINT)
LADDERS = {
    "relu": (
        Text("relu nudge: which values does ReLU keep?", "relu ヒント1"),
        Text("relu closer: np.maximum compares elementwise", "relu ヒント2"),
        Text("relu near-answer: return np.maximum(0, x)", "relu ヒント3"),
    ),
    "step_function": (
        Text("step nudge: a yes/no question per element", "step ヒント1"),
        Text("step closer: x > 0 gives booleans", "step ヒント2"),
        Text("step near-answer: np.array(x > 0, dtype=np.int64)", "step ヒント3"),
    ),
}


def hint_files(root: Path, ladders: dict[str, tuple[Text, ...]]) -> Path:
    """``root/en/01-activations.md`` and ``root/ja/...`` holding ``ladders``, as hints/README.md says."""
    for lang in ("en", "ja"):
        lines = ["# exercise 1"]
        for name, levels in ladders.items():
            lines += ["", f"## {name}"]
            for label, text in zip(LEVELS, levels, strict=False):
                lines += ["", f"### {label}", text(lang)]
        (root / lang).mkdir(parents=True, exist_ok=True)
        (root / lang / "01-activations.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def course_hints(tmp_path, monkeypatch):
    """Make grading read exercise 1's hints from the files a test writes with ``hint_files``."""
    root = tmp_path / "hints"
    monkeypatch.setattr(hints, "hints_root", lambda: root)
    return root


@pytest.fixture
def ladders(course_hints):
    hint_files(course_hints, LADDERS)
    return LADDERS


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "notes").mkdir()
    return tmp_path


def write(workspace: Path, text: str) -> None:
    (workspace / "exercises" / "ex01_activations.py").write_text(text, encoding="utf-8")


def grade(workspace: Path, *args: str):
    old = Path.cwd()
    os.chdir(workspace / "notes")  # every command finds the workspace from a subdirectory
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def shown_levels(workspace: Path) -> dict:
    return json.loads((workspace / ".grade" / "hints.json").read_text(encoding="utf-8"))


def test_hints_unfold_one_level_per_run_and_are_remembered(workspace, ladders):
    write(workspace, SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU)
    report = grade(workspace, "exercise", "1", "--lang", "en")
    assert report.exit_code == 1
    assert IN_PLACE in report.output  # the check's own hint is the first level
    assert "relu nudge" not in report.output  # and the only one a failed check shows

    first = grade(workspace, "hint", "1", "--lang", "en")
    assert first.exit_code == 0, first.output
    assert "FAIL  relu:" in first.output
    assert "modified its argument x in place" in first.output
    assert f"hint 1 of 4: the values are right, but {IN_PLACE}" in first.output
    assert "hint 2 of 4: relu nudge" in first.output
    assert "relu closer" not in first.output
    assert "More: grade hint 1 (hint 3 of 4)" in first.output
    (name,) = shown_levels(workspace)["1"]
    assert name.startswith("relu:")
    assert shown_levels(workspace)["1"][name] == 2

    second = grade(workspace, "hint", "1", "--lang", "en")
    assert "hint 2 of 4: relu nudge" in second.output
    assert "hint 3 of 4: relu closer" in second.output
    assert "relu near-answer" not in second.output

    third = grade(workspace, "hint", "1", "--lang", "en")
    assert "hint 4 of 4: relu near-answer" in third.output
    assert "That was the last hint for this check." in third.output

    fourth = grade(workspace, "hint", "1", "--lang", "en")
    assert "hint 4 of 4: relu near-answer" in fourth.output
    assert "Every hint for this check has been shown." in fourth.output
    assert shown_levels(workspace)["1"][name] == 4


def test_a_failed_check_without_a_hint_of_its_own_shows_the_first_level(workspace, ladders):
    write(workspace, SOLUTION_1.read_text(encoding="utf-8") + CRASHING_RELU)
    report = grade(workspace, "exercise", "1", "--lang", "en")
    assert report.exit_code == 1
    assert "the process crashed" in report.output
    assert "hint: relu nudge" in report.output
    assert "relu closer" not in report.output

    hint = grade(workspace, "hint", "1", "--lang", "en")
    assert "hint 1 of 3: relu nudge" in hint.output  # the ladder has no repeats
    assert "hint 2 of 3: relu closer" in hint.output


def test_an_untouched_stub_starts_at_the_first_level(workspace, ladders):
    shutil.copy(STUB_1, workspace / "exercises" / "ex01_activations.py")
    hint = grade(workspace, "hint", "1", "--lang", "ja")
    assert hint.exit_code == 0, hint.output
    assert "TODO  step_function:" in hint.output
    assert "ヒント 1/3: step ヒント1" in hint.output
    assert "ヒント 2/3:" not in hint.output
    assert "続き: grade hint 1(ヒント 2/3)" in hint.output


def test_each_check_has_its_own_place_on_its_ladder(workspace, ladders):
    write(workspace, SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU)
    grade(workspace, "hint", "1", "--lang", "en")
    grade(workspace, "hint", "1", "--lang", "en")
    write(workspace, SOLUTION_1.read_text(encoding="utf-8") + GREATER_EQUAL_STEP)
    step = grade(workspace, "hint", "1", "--lang", "en")
    assert "FAIL  step_function:" in step.output
    assert "hint 2 of 4: step nudge" in step.output
    assert "step closer" not in step.output
    levels = shown_levels(workspace)["1"]
    assert sorted(levels.values()) == [2, 3]


def test_without_a_ladder_the_checks_own_hint_is_all_there_is(workspace, course_hints):
    hint_files(course_hints, {"step_function": LADDERS["step_function"]})  # nothing for relu
    write(workspace, SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU)
    hint = grade(workspace, "hint", "1", "--lang", "en")
    assert hint.exit_code == 0, hint.output
    assert f"hint 1 of 1: the values are right, but {IN_PLACE}" in hint.output
    assert "Every hint for this check has been shown." in hint.output


def test_no_hint_is_needed_when_every_check_passes(workspace, ladders):
    write(workspace, SOLUTION_1.read_text(encoding="utf-8"))
    hint = grade(workspace, "hint", "1", "--lang", "en")
    assert hint.exit_code == 0
    assert "Every check of exercise 1 passes: no hint needed." in hint.output
    assert not (workspace / ".grade" / "hints.json").exists()


def test_hint_usage_errors_exit_2(workspace):
    assert grade(workspace, "hint", "42").exit_code == 2
    missing = grade(workspace, "hint", "1")
    assert missing.exit_code == 2
    assert "no exercises/ex01_*.py" in missing.output


# --- the pieces ---------------------------------------------------------------------------------------------


def result(status: str, hint: Text | None) -> CheckResult:
    return CheckResult(name="relu: x", name_ja="relu: x", status=status, score=0.0, max_score=1.0, hint=hint)


def test_ladder_and_first_hint():
    own = Text("own", "own")
    assert ladder(result(Status.FAILED, own), LADDERS) == [own, *LADDERS["relu"]]
    assert ladder(result(Status.FAILED, LADDERS["relu"][0]), LADDERS) == list(LADDERS["relu"])
    assert ladder(result(Status.FAILED, own), {}) == [own]
    assert with_first_hint(result(Status.FAILED, None), LADDERS).hint == LADDERS["relu"][0]
    assert with_first_hint(result(Status.FAILED, own), LADDERS).hint == own
    assert with_first_hint(result(Status.NOT_ATTEMPTED, None), LADDERS).hint is None
    assert with_first_hint(result(Status.FAILED, None), {}).hint is None


def test_hint_ladders_hold_the_levels_the_files_give(tmp_path):
    short = hint_files(tmp_path / "short", {"relu": (LADDERS["relu"][0],)})
    assert hint_ladders(1, short) == {"relu": (LADDERS["relu"][0],)}
    none = hint_files(tmp_path / "none", {})
    assert hint_ladders(1, none) == {}
