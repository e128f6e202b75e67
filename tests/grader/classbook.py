"""Gradebooks for tests, built without a sandbox: results and attempts are made up directly.

``make_result`` builds an ``ExerciseResult`` from a list of statuses;
``synthetic_class`` fills a gradebook with a class whose learners have an
ability, so that stronger learners pass more checks and answer more questions
right (the item statistics then come out positive, as in a real class).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from grader.classroom.gradebook import Gradebook
from grader.grading.engine import EXERCISES
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.text import Text

HINT = Text("look at the axis of the sum", "和をとる軸を確認してください")


def make_result(
    exercise: int,
    statuses: Sequence[str],
    *,
    names: Sequence[tuple[str, str]] | None = None,
    hints: Sequence[Text | None] | None = None,
    points: float = 1.0,
) -> ExerciseResult:
    """An ``ExerciseResult`` with one check per status (``passed``, ``failed``, ``not_attempted``)."""
    results = []
    for position, status in enumerate(statuses):
        name, name_ja = (
            names[position] if names else (f"f{position}: check {position}", f"f{position}: 確認 {position}")
        )
        hint = (hints[position] if hints else HINT) if status == Status.FAILED else None
        lines = ()
        if status == Status.FAILED:
            lines = (Text(f"expected 1, got {position}", f"期待 1、実際 {position}"),)
        elif status == Status.NOT_ATTEMPTED:
            lines = (
                Text("not attempted: f raises NotImplementedError", "未着手: f が NotImplementedError を送出します"),
            )
        results.append(
            CheckResult(
                name=name,
                name_ja=name_ja,
                status=status,
                score=points if status == Status.PASSED else 0.0,
                max_score=points,
                lines=lines,
                hint=hint,
            )
        )
    return ExerciseResult(EXERCISES[exercise], Path(f"ex{exercise:02d}.py"), tuple(results), elapsed=0.25)


def attempt(quiz: int, answers: Iterable[tuple[str, object, bool]], *, started: str, review: bool = False) -> dict:
    """The JSON of an attempt file (see ``grader.quiz.attempts``) from ``(id, chosen, correct)`` triples."""
    questions = [
        {"id": question_id, "chosen": chosen, "correct": correct, "seconds": 10.0}
        for question_id, chosen, correct in answers
    ]
    return {
        "quiz": quiz,
        "slug": f"{quiz:02d}-test",
        "lang": "en",
        "review": review,
        "started": started,
        "finished": started,
        "score": sum(1 for question in questions if question["correct"]),
        "max_score": len(questions),
        "questions": questions,
    }


def synthetic_class(
    path: Path,
    bank: dict,
    *,
    learners: int = 200,
    exercises: Sequence[int] = (1, 2, 3, 4, 5),
    quizzes: Sequence[int] = tuple(range(1, 11)),
    seed: int = 0,
) -> None:
    """A class in a gradebook: real check names and quiz questions, verdicts drawn by ability."""
    rng = np.random.default_rng(seed)
    checks = {number: EXERCISES[number].build_checks() for number in exercises}
    with Gradebook(path) as gradebook, gradebook.transaction():  # one commit: the class is made, not graded
        for index in range(learners):
            name = f"learner-{index + 1:03d}"
            ability = rng.normal()
            for number in exercises:
                untouched = rng.random() < 0.05
                statuses = []
                for _ in checks[number]:
                    chance = 1 / (1 + np.exp(-(1.5 * ability + 1.2 + rng.normal(0, 0.5))))
                    statuses.append(
                        Status.NOT_ATTEMPTED
                        if untouched
                        else (Status.PASSED if rng.random() < chance else Status.FAILED)
                    )
                result = make_result(
                    number,
                    statuses,
                    names=[(check.name, check.name_ja) for check in checks[number]],
                    hints=[check.hint for check in checks[number]],
                    points=1.0,
                )
                gradebook.record_exercise(name, number, f"{EXERCISES[number].module}.py", f"{name}-{number}", result)
            for quiz_number in quizzes:
                quiz = bank[(quiz_number, "en")]
                for try_number in range(1 + int(rng.random() < 0.3)):
                    answers = []
                    for position, question in enumerate(quiz.questions):
                        difficulty = (position % 5 - 2) * 0.6
                        right = rng.random() < 1 / (1 + np.exp(-(ability + 0.5 - difficulty + try_number)))
                        if question.kind == "numeric":
                            chosen = question.answer if right else float(question.answer * 2 + 1)
                        elif right:
                            chosen = sorted(question.correct_indices)
                        else:
                            wrong = [o for o in range(len(question.options)) if o not in question.correct_indices]
                            chosen = [int(rng.choice(wrong))] if wrong else []
                        answers.append((question.id, chosen, bool(right)))
                    record = attempt(quiz_number, answers, started=f"2025-04-{try_number + 1:02d}T10:00:00+09:00")
                    gradebook.record_quiz_attempt(name, record, f"{name}-{quiz_number}-{try_number}")
            if index % 50 == 0:
                gradebook.record_problem(name, "ex11_extra.py: not an exercise of this course")


# --- a class with deadlines (tests of the course file, totals, LMS files and feedback files) -----------

# the deadline of every item of LATE_COURSE: 2026-12-10T23:59:00+09:00
DEADLINE_UTC = "2026-12-10T14:59:00+00:00"
LATE_COURSE = """
[late]
policy = "per-day"
penalty = 10
max_penalty = 50

[due]
exercises = [1, 2]
quizzes = [1]

[exercises.1]
weight = 2
deadline = "2026-12-10T23:59:00+09:00"
canvas_id = 501

[exercises.2]
deadline = "2026-12-10T23:59:00+09:00"

[quizzes.1]
deadline = "2026-12-10T23:59:00+09:00"
"""


def quiz_attempt(answers: Sequence[bool], *, finished: str) -> dict:
    """An attempt at quiz 1 (questions q-a, q-b, q-c) finished at ``finished``."""
    record = attempt(1, [(f"q-{'abc'[i]}", [0], right) for i, right in enumerate(answers)], started=finished)
    record["finished"] = finished
    return record


def fill_late_class(gradebook: Gradebook) -> None:
    """Three learners worked out by hand (weights 2, 1, 1; 10 % per started day, at most 50 %).

    ann: ex1 3/3 exactly at the deadline (1.0); ex2 1/2 one day and one second late (0.5 - 20 % = 0.4);
    quiz 1: 2/3 on time, then 3/3 one second late (0.9, the better after the penalty); ex3 1/1, not due.
    Total: (2 * 1.0 + 0.4 + 0.9) / 4 = 82.5 %.
    bob: ex1 2/3 with no recorded time (an older batch: never late). Total: 2 * 2/3 / 4 = 33.33 %.
    carol: nothing handed in, one folder problem. Total 0 %.
    """
    passed, failed = Status.PASSED, Status.FAILED
    gradebook.record_exercise(
        "ann", 1, "ex01_activations.py", "a1", make_result(1, [passed] * 3), submitted_at=DEADLINE_UTC
    )
    gradebook.record_exercise(
        "ann", 2, "ex02_softmax_loss.py", "a2", make_result(2, [passed, failed]),
        submitted_at="2026-12-11T15:00:00+00:00",
    )  # fmt: skip
    gradebook.record_exercise("ann", 3, "ex03_backward.py", "a3", make_result(3, [passed]), submitted_at=DEADLINE_UTC)
    gradebook.record_quiz_attempt("ann", quiz_attempt([True, True, False], finished="2026-12-10T22:59:00+09:00"), "q1")
    gradebook.record_quiz_attempt("ann", quiz_attempt([True, True, True], finished="2026-12-10T23:59:01+09:00"), "q2")
    gradebook.record_exercise("bob", 1, "ex01_activations.py", "b1", make_result(1, [passed, passed, failed]))
    gradebook.record_problem("carol", "ex01.py: not UTF-8 (save the file as UTF-8)")
