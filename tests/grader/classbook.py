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
    with Gradebook(path) as gradebook:
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
