"""A class's quiz attempts, re-scored against the answer key of the bank.

A learner's attempt file states a score, but a batch never takes it as it is:
``rescore_attempt`` recomputes every answer's verdict, the score and the maximum
from the recorded answers and the bank (``load_scoring_bank``), and refuses
malformed answers with an ``AttemptError`` that says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from collections.abc import Set
from pathlib import Path

import grader
from grader.classroom import gradebook
from grader.classroom.gradebook import FIELD_LIMIT, MAX_SECONDS, AttemptError, brief, stored_text
from grader.errors import QuizError
from grader.quiz import bank as bank_module
from grader.quiz.bank import FILE_NAME, Question, Quiz, is_correct, load_bank, load_quiz, quiz_root
from grader.text import LANGUAGES


def load_scoring_bank(root: Path | None = None) -> tuple[dict[tuple[int, str], Quiz], list[QuizError]]:
    """The course's quizzes for scoring and reporting, each quiz loaded on its own.

    ``grader.quiz.bank.load_bank`` leaves out a quiz whose file breaks the rules of
    QUIZZES.md, but a file it can not even read (a folder named ``03-x.md``, a
    number in the front matter too long to convert, TOML nested too deep) stops
    it for every quiz.  Here each quiz number is loaded by itself, so such a file
    leaves out only its own quiz, with a ``QuizError`` that names it.  Files that
    are not regular files (FIFOs, devices) are never opened.

    Parameters
    ----------
    root : Path, optional
        The folder holding ``en/`` and ``ja/`` (default: ``grader.quiz.bank.quiz_root()``).

    Returns
    -------
    quizzes : dict
        ``(number, lang) -> Quiz`` for every quiz that loads.
    errors : list of QuizError
        Why each other quiz was left out.
    """
    root = quiz_root() if root is None else Path(root)
    files: dict[int, list[Path]] = {}
    errors: list[QuizError] = []
    for lang in LANGUAGES:
        try:
            paths = sorted((root / lang).glob("*.md"))
        except OSError as problem:
            errors.append(
                QuizError(
                    root / lang,
                    1,
                    f"the folder can not be read ({problem.strerror})",
                    "make it a readable folder of quiz files (or set GRADE_QUIZ_ROOT to the course's quizzes)",
                )
            )
            continue
        for path in paths:
            named = FILE_NAME.match(path.name)
            if named is None:
                errors.append(
                    QuizError(
                        path,
                        1,
                        f"the file name {path.name!r} is not NN-topic.md",
                        "rename it, e.g. 03-gradient-descent.md",
                    )
                )
                continue
            files.setdefault(int(named.group("number")), []).append(path)
    quizzes: dict[tuple[int, str], Quiz] = {}
    for number, paths in sorted(files.items()):
        irregular = [path for path in paths if not path.is_file()]
        if irregular:
            errors.extend(
                QuizError(path, 1, "this is not a regular file; it was not opened", "replace it with the quiz's file")
                for path in irregular
            )
            continue
        try:
            loaded, found = load_bank(root, numbers=[number])
        except _UNREADABLE:
            errors.append(_culprit(paths))
            continue
        quizzes.update(loaded)
        errors.extend(found)
    return quizzes, errors


# what reading or parsing a file that breaks every expectation can raise
_UNREADABLE = (OSError, ValueError, RecursionError, MemoryError, OverflowError)


def _culprit(paths: list[Path]) -> QuizError:
    """A ``QuizError`` naming the first of ``paths`` that ``load_quiz`` can not read, and why."""
    for path in paths:
        try:
            load_quiz(path)
        except QuizError:
            continue
        except _UNREADABLE as problem:
            reason = str(problem)[:200] or type(problem).__name__
            return QuizError(
                path,
                1,
                f"the file can not be read ({type(problem).__name__}: {reason})",
                "fix it as QUIZZES.md describes (grade quiz --site DIR checks every file)",
            )
    return QuizError(paths[0], 1, "the quiz can not be loaded", "check its files with grade quiz --site DIR")


def scoring_key(bank: dict[tuple[int, str], Quiz], left_out: Set[int] = frozenset()) -> str:
    """A digest of everything ``rescore_attempt`` decides by besides the file: the answer key and the grader.

    The key of every quiz (slug, and each question's id, kind, options marked
    correct, answer and tolerance), the quizzes left out, the grader's version
    and the source of the modules that score and store an attempt (this one,
    ``grader.quiz.bank``, ``grader.classroom.gradebook``).  ``grade batch`` stores
    it with each attempt it re-scores (``Gradebook.record_quiz_attempts``) and
    skips a file stored with the same content hash and key: scoring it again
    would give the same rows.
    """
    digest = hashlib.sha256(grader.__version__.encode() + b"\n")
    for module in (sys.modules[__name__], bank_module, gradebook):
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except OSError:  # no source to read (an unusual install): a key no stored attempt has, so all are scored
            digest.update(os.urandom(16))
    for (number, lang), quiz in sorted(bank.items()):
        questions = [
            [question.id, question.kind, len(question.options), sorted(question.correct_indices)]
            + [question.answer, question.tolerance]
            for question in quiz.questions
        ]
        digest.update(json.dumps([number, lang, quiz.slug, questions]).encode() + b"\n")
    digest.update(json.dumps(sorted(left_out)).encode())
    return digest.hexdigest()[:32]


def rescore_attempt(attempt: object, bank: dict[tuple[int, str], Quiz], left_out: Set[int] = frozenset()) -> dict:
    """An attempt file's answers scored against the answer key, in the format ``save_attempt`` writes.

    An attempt file is written by the learner's own ``grade quiz`` and can be
    edited by hand, so nothing in it is taken on trust: the score, the maximum
    and every ``correct`` flag are computed again from the answers with
    ``grader.quiz.bank.is_correct``; the slug comes from the bank.  A genuine file
    comes back with the scores it had.

    Rules
    -----
    - ``quiz`` is a quiz of the bank, ``lang`` is ``en`` or ``ja``, ``review``
      is true or false;
    - every question id is one of that quiz's, at most once;
    - a choice question's answer is a list of distinct option numbers of that
      question; a numeric question's answer is one finite number;
    - a full attempt (not a review) is scored out of every question of the
      quiz: a question it lacks (added to the quiz later) scores 0; a review
      is scored out of the questions it asked;
    - ``seconds`` that is not a number from 0 to ``MAX_SECONDS`` is dropped;
      ``started`` and ``finished`` are kept as text (64 characters).

    Parameters
    ----------
    attempt : object
        The parsed JSON of the file.
    bank : dict
        ``(number, lang) -> Quiz`` (``load_scoring_bank``).
    left_out : set of int
        Quiz numbers whose files have errors: an attempt at one of them can not
        be scored now (said so, rather than "no such quiz").

    Raises
    ------
    AttemptError
        Saying what is wrong with the file (also a ``ValueError``).
    """
    if not isinstance(attempt, dict):
        raise AttemptError(f"a quiz attempt is a JSON object; this file holds a {type(attempt).__name__}")
    number = attempt.get("quiz")
    if isinstance(number, bool) or not isinstance(number, int):
        raise AttemptError(f'a quiz attempt has a "quiz" number; this one has {brief(number)}')
    lang = attempt.get("lang")
    if lang not in LANGUAGES:
        raise AttemptError(f'the attempt at quiz {brief(number)} has "lang" {brief(lang)}; it is "en" or "ja"')
    quiz = bank.get((number, lang))
    if quiz is None:
        if number in left_out:
            raise AttemptError(
                f"quiz {number} can not be scored now: its quiz file has an error (see grade batch's warnings); "
                "fix the quiz file, then run grade batch again"
            )
        known = sorted({known_number for known_number, _ in bank})
        raise AttemptError(
            f"there is no quiz {brief(number)} in the course (the quizzes are {', '.join(map(str, known)) or 'none'})"
        )
    review = attempt.get("review", False)
    if not isinstance(review, bool):
        raise AttemptError(f'the attempt at quiz {number} has "review" {brief(review)}; it is true or false')
    questions = attempt.get("questions")
    if not isinstance(questions, list) or not questions:
        raise AttemptError(f'the attempt at quiz {number} has no "questions" list with answers in it')
    if len(questions) > len(quiz.questions):
        raise AttemptError(
            f"the attempt at quiz {number} answers {len(questions)} questions; the quiz has {len(quiz.questions)}"
        )
    by_id = {question.id: question for question in quiz.questions}
    scored: list[dict[str, object]] = []
    for position, entry in enumerate(questions, start=1):
        where = f"question {position} of the attempt at quiz {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise AttemptError(f'{where} has no "id"')
        question = by_id.pop(entry["id"], None)
        if question is None:
            if any(done["id"] == entry["id"] for done in scored):
                raise AttemptError(f"{where} answers {entry['id']!r} a second time")
            raise AttemptError(f"{where} has the id {brief(entry['id'])}, which quiz {number} does not have")
        chosen = _checked_answer(question, entry.get("chosen"), where)
        seconds = entry.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
            seconds = None
        scored.append(
            {"id": question.id, "chosen": chosen, "correct": is_correct(question, chosen), "seconds": seconds}
        )

    def when(key: str) -> str:
        value = attempt.get(key)
        return stored_text(value, FIELD_LIMIT) if isinstance(value, str) else ""

    return {
        "quiz": number,
        "slug": quiz.slug,
        "lang": lang,
        "review": review,
        "started": when("started"),
        "finished": when("finished"),
        "score": sum(1 for answer in scored if answer["correct"]),
        "max_score": len(scored) if review else len(quiz.questions),
        "questions": scored,
    }


def _checked_answer(question: Question, chosen: object, where: str) -> list[int] | float:
    """A well-formed answer to ``question`` (right or wrong), or an ``AttemptError``."""
    if question.kind == "numeric":
        if isinstance(chosen, bool) or not isinstance(chosen, int | float):
            raise AttemptError(f"{where} is a number question; the answer is {brief(chosen)}, not a number")
        try:
            value = float(chosen)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise AttemptError(f"{where} is a number question; the answer {brief(chosen)} is not a finite number")
        return value
    count = len(question.options)
    if not isinstance(chosen, list) or len(chosen) > count:
        raise AttemptError(
            f"{where} is a choice question; the answer is a list of at most {count} option numbers, "
            f"not {brief(chosen) if not isinstance(chosen, list) else f'a list of {len(chosen)}'}"
        )
    for option in chosen:
        if isinstance(option, bool) or not isinstance(option, int) or not 0 <= option < count:
            raise AttemptError(f"{where} chose option {brief(option)}; the question has options 0 to {count - 1}")
    if len(set(chosen)) != len(chosen):
        raise AttemptError(f"{where} chose the same option twice")
    return sorted(chosen)
