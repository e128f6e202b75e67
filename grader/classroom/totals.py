"""Weighted totals and lateness: each learner's grade per exercise and quiz under a ``Course``.

An item's fraction is its score over its maximum (a quiz: the best full attempt
after the late penalty; an exercise: the current submission).  The late policy
takes ``penalty`` of the fraction off (``grader.classroom.coursefile.lateness``).
The weighted total is, over the items that count (are due so far)::

    total = 100 * sum(weight * fraction after penalty) / sum(weight)

in percent; an item the learner never handed in counts 0.  Items that do not
count are shown with their grade and lateness but left out of the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.classroom.coursefile import Course, Item, Lateness, lateness
from grader.classroom.gradebook import AttemptRow, SubmissionRow

if TYPE_CHECKING:
    from grader.quiz.bank import Quiz


@dataclass(frozen=True)
class GradeColumn:
    """One exercise or quiz of the grade files: the items in the gradebook, and the due ones nobody handed in."""

    item: Item
    max_score: float
    counted: bool

    @property
    def key(self) -> tuple[str, int]:
        """``(kind, number)``."""
        return (self.item.kind, self.item.number)


@dataclass(frozen=True)
class ItemGrade:
    """One learner's grade for one exercise or quiz under the course's rules."""

    item: Item
    max_score: float
    score: float | None  # raw points; None when nothing was handed in
    lateness: Lateness
    counted: bool

    @property
    def fraction(self) -> float:
        """Score over maximum before the penalty, 0 when nothing was handed in."""
        if self.score is None or not self.max_score:
            return 0.0
        return self.score / self.max_score

    @property
    def final_fraction(self) -> float:
        """The fraction after the late penalty."""
        return self.fraction * (1.0 - self.lateness.penalty)

    @property
    def final_points(self) -> float | None:
        """Points after the late penalty (what goes to the LMS); None when nothing was handed in."""
        return None if self.score is None else self.final_fraction * self.max_score


@dataclass(frozen=True)
class LearnerGrades:
    """Every item's grade for one learner and the weighted total (percent; None when no item counts)."""

    items: dict[tuple[str, int], ItemGrade]
    total: float | None

    @property
    def late(self) -> tuple[ItemGrade, ...]:
        """The items handed in late, in course order."""
        return tuple(grade for grade in self.items.values() if grade.lateness.late)

    @property
    def unknown(self) -> tuple[ItemGrade, ...]:
        """The items with a deadline whose time was not recorded."""
        return tuple(grade for grade in self.items.values() if grade.lateness.state == "unknown")


def _attempt_fraction(attempt: AttemptRow) -> float:
    return attempt.score / attempt.max_score if attempt.max_score else 0.0


def grade_columns(
    course: Course,
    exercises: Iterable[tuple[int, float]],
    quizzes: Iterable[tuple[int, float]],
    bank: Mapping[tuple[int, str], Quiz] | None = None,
) -> tuple[GradeColumn, ...]:
    """The items of the grade files, exercises first, then quizzes, each by number.

    ``exercises`` and ``quizzes`` are the (number, max_score) of the gradebook; the
    counted items nobody handed in are added, their maximum from the checks or the quiz bank.
    """
    found = {("exercise", number): score for number, score in exercises}
    found.update((("quiz", number), score) for number, score in quizzes)
    for key in sorted(course.counted or ()):
        if key not in found:
            found[key] = _maximum(*key, bank or {})
    order = sorted(found, key=lambda key: (key[0] != "exercise", key[1]))
    return tuple(GradeColumn(course.item(*key), found[key], course.counts(*key)) for key in order)


def _maximum(kind: str, number: int, bank: Mapping[tuple[int, str], Quiz]) -> float:
    """The points of an item nobody handed in: its checks' points, or its questions (one point each)."""
    if kind == "exercise":
        from grader.grading.engine import EXERCISES

        return float(sum(check.points for check in EXERCISES[number].build_checks()))
    quiz = bank.get((number, "en")) or bank.get((number, "ja"))
    return float(len(quiz.questions)) if quiz is not None else 0.0


def learner_grades(
    course: Course,
    columns: Sequence[GradeColumn],
    submissions: dict[int, SubmissionRow],
    attempts: Iterable[AttemptRow],
) -> LearnerGrades:
    """One learner's ``LearnerGrades``.

    Parameters
    ----------
    course : Course
        The rules.
    columns : sequence of GradeColumn
        Every item shown, in order (``grade_columns``).
    submissions : dict
        Exercise number -> the learner's current submission.
    attempts : iterable of AttemptRow
        The learner's current attempts (review attempts are not graded).
    """
    by_quiz: dict[int, list[AttemptRow]] = {}
    for attempt in attempts:
        if not attempt.review:
            by_quiz.setdefault(attempt.quiz, []).append(attempt)
    items: dict[tuple[str, int], ItemGrade] = {}
    for column in columns:
        item, max_score, counted = column.item, column.max_score, column.counted
        kind, number = column.key
        if kind == "exercise":
            submission = submissions.get(number)
            if submission is None:
                grade = ItemGrade(item, max_score, None, lateness(None, None, course.late), counted)
            else:
                late = lateness(submission.submitted_at, item.deadline, course.late)
                score = submission.score / submission.max_score * max_score if submission.max_score else 0.0
                grade = ItemGrade(item, max_score, score, late, counted)
        else:
            grade = ItemGrade(item, max_score, None, lateness(None, None, course.late), counted)
            for attempt in by_quiz.get(number, []):  # oldest first: the earliest of equal grades wins
                late = lateness(attempt.finished, item.deadline, course.late)
                candidate = ItemGrade(item, max_score, _attempt_fraction(attempt) * max_score, late, counted)
                if grade.score is None or candidate.final_fraction > grade.final_fraction:
                    grade = candidate
        items[(kind, number)] = grade
    weights = sum(grade.item.weight for grade in items.values() if grade.counted)
    total = None
    if weights > 0:
        earned = sum(grade.item.weight * grade.final_fraction for grade in items.values() if grade.counted)
        total = 100 * earned / weights
    return LearnerGrades(items, total)
