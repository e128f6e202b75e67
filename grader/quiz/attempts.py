"""Quiz attempts saved in the learner's workspace, and what they add up to.

Each finished attempt is one JSON file,
``<workspace>/.grade/quiz-attempts/NN-<lang>-<timestamp>.json``::

    {"quiz": 3, "slug": "03-gradient-descent", "lang": "en", "review": false,
     "started": "2025-04-01T10:00:00+09:00", "finished": "...", "score": 12, "max_score": 14,
     "questions": [{"id": "forward-difference", "chosen": 6.0001, "correct": true, "seconds": 21.4},
                   {"id": "lr-stability-v2", "chosen": [0, 1, 2], "correct": false, "seconds": 40.2}, ...]}

``chosen`` holds source option indices (the order of the quiz file, not the
shuffled order shown) or the number typed. Attempts of both languages count
for the same quiz: question ids are shared.
"""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path

from grader.quiz.bank import Quiz
from grader.statefile import read_state, write_state

ATTEMPTS_FOLDER = Path(".grade") / "quiz-attempts"


def save_attempt(workspace: Path, quiz: Quiz, answers: list[dict], started: float, *, review: bool = False) -> Path:
    """Save one finished attempt and return the file written.

    Parameters
    ----------
    workspace : Path
        The learner's workspace; the file goes to ``.grade/quiz-attempts/`` in it.
    quiz : Quiz
        The quiz taken (its number, slug and language are recorded).
    answers : list of dict
        One per question asked: ``id``, ``chosen``, ``correct``, ``seconds``.
    started : float
        ``time.time()`` when the attempt began.
    review : bool
        True for ``grade quiz N --review``, which asks only some questions;
        reviews do not count towards the best score.
    """
    folder = Path(workspace) / ATTEMPTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    finished = time.time()
    stamp = datetime.fromtimestamp(finished).strftime("%Y%m%dT%H%M%S%f")
    record = {
        "quiz": quiz.number,
        "slug": quiz.slug,
        "lang": quiz.lang,
        "review": review,
        "started": datetime.fromtimestamp(started).astimezone().isoformat(timespec="seconds"),
        "finished": datetime.fromtimestamp(finished).astimezone().isoformat(timespec="seconds"),
        "score": sum(1 for answer in answers if answer["correct"]),
        "max_score": len(answers),
        "questions": [
            {
                "id": answer["id"],
                "chosen": answer["chosen"],
                "correct": bool(answer["correct"]),
                "seconds": round(float(answer["seconds"]), 1),
            }
            for answer in answers
        ],
    }
    path = folder / f"{quiz.number:02d}-{quiz.lang}-{stamp}.json"
    serial = 1
    while path.exists():  # two attempts in the same microsecond: keep both
        path = folder / f"{quiz.number:02d}-{quiz.lang}-{stamp}-{serial}.json"
        serial += 1
    write_state(path, record)
    return path


def attempts(workspace: Path, number: int) -> list[dict]:
    """Every saved attempt at quiz ``number``, oldest first (files that are not attempts are skipped)."""
    folder = Path(workspace) / ATTEMPTS_FOLDER
    found = []
    for path in sorted(folder.glob(f"{number:02d}-*.json")):
        record = read_state(path)  # a hand-edited or truncated file must not break `grade list`
        if (
            not isinstance(record, dict)
            or record.get("quiz") != number
            or not isinstance(record.get("questions"), list)
        ):
            continue
        record["path"] = str(path)
        found.append(record)
    # NN-<lang>-<timestamp>.json: order by the timestamp, across both languages
    found.sort(key=lambda record: Path(record["path"]).stem.split("-", 2)[-1])
    return found


def best_score(workspace: Path, number: int) -> tuple[float, float] | None:
    """The best (score, max_score) at quiz ``number``; None before the first full attempt.

    A review (``grade quiz N --review``) asks again what the latest attempt got
    wrong: the questions it now gets right count from then on, so the score of
    the full attempt plus what later reviews corrected is a candidate for the
    best, as is every full attempt on its own.
    """
    best: tuple[float, float] | None = None
    answers: dict[str, bool] = {}  # question id -> right, since the latest full attempt
    total = 0.0
    for record in attempts(workspace, number):
        if record.get("review"):
            if total <= 0:
                continue  # a review before any full attempt has nothing to improve
            for answer in record["questions"]:
                if isinstance(answer, dict) and str(answer.get("id")) in answers:
                    answers[str(answer["id"])] = answers[str(answer["id"])] or answer.get("correct") is True
            score = float(sum(answers.values()))
        else:
            try:
                score, total = float(record.get("score", 0)), float(record.get("max_score", 0))
            except (TypeError, ValueError, OverflowError):  # a hand-edited file
                total = 0.0
                continue
            if not (math.isfinite(score) and math.isfinite(total)) or total <= 0:
                total = 0.0
                continue
            answers = {
                str(answer["id"]): answer.get("correct") is True
                for answer in record["questions"]
                if isinstance(answer, dict) and "id" in answer
            }
        if best is None or score / total > best[0] / best[1]:
            best = (min(score, total), total)
    return best


def last_wrong(workspace: Path, number: int) -> list[str]:
    """Ids of the questions answered wrongly in the latest attempt (full or review) at quiz ``number``."""
    found = attempts(workspace, number)
    if not found:
        return []
    return [
        str(answer["id"])
        for answer in found[-1]["questions"]
        if isinstance(answer, dict) and "id" in answer and not answer.get("correct")
    ]
