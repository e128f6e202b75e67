"""Concept questions before code: ``grade exercise N --warm-up``.

Before an exercise is graded for the first time, the learner answers two or
three questions of the confirmation tests linked to it (a quiz's front-matter
``exercises`` key).  Of the linked quizzes, those linked to the fewest
exercises are the most specific and are used; their questions are chosen by
the names the exercise asks for (``im2col``, ``SoftmaxWithLoss``, ``he_init``
-> im2col, softmax, loss, he ...): first the question that mentions most of
them, then the ones that add names not covered yet.  The choice is made on the
English quiz, so it is the same in both languages.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import TextIO

from grader.course import stub_path
from grader.errors import GraderError
from grader.quiz.bank import Question, Quiz
from grader.quiz.terminal import run_quiz

QUESTIONS = 3
# parts of contract names that say nothing about the topic ("d_relu", "step_function", "he_init")
_UNTELLING = {"d", "with", "function", "error", "init", "self"}
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z0-9]+|[A-Z]+")


def contract_words(number: int) -> set[str]:
    """Lower-case words of the functions and classes exercise ``number`` asks for.

    ``SoftmaxWithLoss`` gives softmaxwithloss, softmax and loss; ``conv_output_size``
    gives conv_output_size, conv, output and size.
    """
    try:
        tree = ast.parse(stub_path(number).read_text(encoding="utf-8"))
    except (GraderError, OSError, SyntaxError):
        return set()
    words: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            words.add(node.name.lower())
            for part in node.name.split("_"):
                words.update(piece.lower() for piece in _CAMEL.findall(part))
    return {word for word in words if len(word) > 1 and word not in _UNTELLING}


def _mentions(question: Question, words: set[str]) -> set[str]:
    text = " ".join([question.title, question.body, *(option.text for option in question.options)])
    # a long word also matches as a prefix (pooling, sigmoid's); "he" only as itself
    return {
        word
        for word in words
        if re.search(rf"\b{re.escape(word)}" + ("" if len(word) >= 4 else r"\b"), text, flags=re.IGNORECASE)
    }


def _pick(quiz: Quiz, words: set[str], count: int) -> list[str]:
    """Ids of ``count`` questions of ``quiz``, greedily covering ``words``; in quiz order."""
    mentioned = [_mentions(question, words) for question in quiz.questions]
    covered: set[str] = set()
    chosen: list[int] = []
    for _ in range(min(count, len(quiz.questions))):
        best = max(
            (index for index in range(len(quiz.questions)) if index not in chosen),
            key=lambda index: (len(mentioned[index] - covered), len(mentioned[index]), -index),
        )
        chosen.append(best)
        covered |= mentioned[best]
    return [quiz.questions[index].id for index in sorted(chosen)]


def warm_up_plan(
    number: int, quizzes: dict[tuple[int, str], Quiz], count: int = QUESTIONS
) -> list[tuple[int, list[str]]]:
    """Which questions to ask before exercise ``number``: ``(quiz number, question ids)`` pairs.

    Parameters
    ----------
    number : int
        The exercise.
    quizzes : dict
        ``(quiz number, lang) -> Quiz``, as ``grader.quiz.bank.load_bank`` returns.
    count : int
        Questions in all, shared out over the most specific linked quizzes.

    Returns
    -------
    list of (int, list of str)
        Empty when no quiz is linked to the exercise.
    """
    linked = sorted(
        (quiz for (_, lang), quiz in quizzes.items() if lang == "en" and number in quiz.exercises),
        key=lambda quiz: (len(quiz.exercises), quiz.number),
    )
    if not linked:
        return []
    specific = [quiz for quiz in linked if len(quiz.exercises) == len(linked[0].exercises)][:count]
    shares = [count // len(specific) + (1 if index < count % len(specific) else 0) for index in range(len(specific))]
    words = contract_words(number)
    return [(quiz.number, _pick(quiz, words, share)) for quiz, share in zip(specific, shares, strict=True) if share]


def run_warm_up(
    plan: list[tuple[int, list[str]]],
    quizzes: dict[tuple[int, str], Quiz],
    lang: str,
    *,
    input: TextIO,
    output: TextIO,
    seed: int | None = None,
) -> tuple[list[dict], int]:
    """Ask the planned questions with ``grader.quiz.terminal``; return the answers and the number asked.

    A wrong answer shows the explanation and the next question follows, as in
    ``grade quiz``.  Each answer also names its ``quiz``.
    """
    answers: list[dict] = []
    asked = 0
    for quiz_number, ids in plan:
        quiz = quizzes[(quiz_number, lang)]
        part = replace(quiz, questions=tuple(question for question in quiz.questions if question.id in ids))
        asked += len(part.questions)
        given = run_quiz(part, input=input, output=output, seed=seed)
        answers.extend({**answer, "quiz": quiz_number} for answer in given)
        if len(given) < len(part.questions):
            break  # the learner typed q, or the input ended: on to the grading
    return answers, asked
