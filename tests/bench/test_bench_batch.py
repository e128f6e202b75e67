"""bench_batch's account of where a batch's time went: the gradings with a check that timed out."""

from __future__ import annotations

from pathlib import Path

from bench_batch import timed_out_share

from grader.classroom.gradebook import Gradebook
from grader.grading.engine import EXERCISES
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.text import Text


def _recorded(gradebook: Gradebook, learner: str, exercise: int, elapsed: float, error: str = "") -> None:
    checks = (
        CheckResult("f: passes", "f: 合格", Status.PASSED, 1.0, 1.0),
        CheckResult("g: fails", "g: 不合格", Status.FAILED, 0.0, 1.0, lines=(Text("wrong", "誤り"),), error=error),
    )
    result = ExerciseResult(EXERCISES[exercise], Path(f"ex{exercise:02d}.py"), checks, elapsed=elapsed)
    gradebook.record_exercise(learner, exercise, f"ex{exercise:02d}.py", f"{learner}{exercise}{elapsed}", result)


def test_the_share_counts_only_current_gradings_with_a_check_that_timed_out(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    gradebook = Gradebook(path)
    gradebook.record_people(["ann", "bob"], None)
    _recorded(gradebook, "ann", 1, 0.5)
    _recorded(gradebook, "ann", 2, 2.5, error="timeout")
    _recorded(gradebook, "bob", 1, 0.25, error="ValueError")  # failed by an error, but not a timeout
    _recorded(gradebook, "bob", 2, 3.0, error="timeout")
    _recorded(gradebook, "bob", 2, 0.75)  # graded again: the timed-out submission is history (without its checks)
    gradebook.close()
    assert timed_out_share(path) == (1, 2.5, 0.5 + 2.5 + 0.25 + 0.75)


def test_an_empty_gradebook_has_no_share(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    Gradebook(path).close()
    assert timed_out_share(path) == (0, 0.0, 0.0)


def test_a_class_without_its_endless_loops_differs_only_by_those_files(tmp_path):
    from bench_batch import exercise_files
    from synthetic_class import EXERCISES, is_endless, make_class

    whole = make_class(tmp_path / "whole", 200, seed=0, quizzes=False)
    rest = make_class(tmp_path / "rest", 200, seed=0, quizzes=False, endless=False)
    left_out = 0
    for learner in sorted(whole.iterdir()):
        for number, module in EXERCISES.items():
            text = (learner / f"{module}.py").read_text(encoding="utf-8")
            kept = rest / learner.name / f"{module}.py"
            if is_endless(text, number):
                left_out += 1
                assert not kept.exists()
            else:  # the same random choices: the very same file
                assert kept.read_text(encoding="utf-8") == text
    assert left_out  # the bench's class has a few (7 of its 1,000 files)
    assert (exercise_files(whole, 5), exercise_files(whole, 1)) == (1000, 200)
    assert exercise_files(rest, 5) == 1000 - left_out
