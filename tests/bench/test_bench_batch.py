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
