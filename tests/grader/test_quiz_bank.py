"""The question bank in quizzes/: size, both languages, and every numeric answer recomputed.

Each numeric question id maps to a function that computes its answer. Where
the reference implementation has the operation (sigmoid, softmax, the
optimizers, the layers, im2col, ...) the function calls it, so the bank and the
reference check each other; the rest (parameter counts, receptive fields,
epochs) are recomputed with plain arithmetic from the numbers in the question.
"""

from __future__ import annotations

import pytest
from numerics import all_recomputations

from grader.quiz.bank import is_correct, load_bank

BANK, ERRORS = load_bank()


RECOMPUTE = all_recomputations()


NUMERIC = [
    (quiz.number, question)
    for (number, lang), quiz in sorted(BANK.items())
    if lang == "en"
    for question in quiz.questions
    if question.kind == "numeric"
]


def test_the_bank_loads_without_errors():
    assert ERRORS == [], "\n".join(map(str, ERRORS))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_bank_is_big_enough(lang):
    quizzes = [quiz for (number, quiz_lang), quiz in BANK.items() if quiz_lang == lang]
    assert len(quizzes) >= 10
    assert sum(len(quiz.questions) for quiz in quizzes) >= 120
    assert all(len(quiz.questions) >= 10 for quiz in quizzes)


def test_every_question_has_both_languages_with_the_same_key():
    numbers = sorted({number for number, _ in BANK})
    assert numbers == list(range(1, 11))
    for number in numbers:
        en, ja = BANK[(number, "en")], BANK[(number, "ja")]
        assert [question.id for question in en.questions] == [question.id for question in ja.questions]
        assert en.title != ja.title
        for first, second in zip(en.questions, ja.questions, strict=True):
            assert (first.kind, first.answer, first.tolerance) == (second.kind, second.answer, second.tolerance)
            assert [option.correct for option in first.options] == [option.correct for option in second.options]
            assert first.body != second.body, first.id  # translated, not copied
            assert first.explanation
            assert second.explanation


def test_the_bank_mixes_the_kinds_of_question():
    kinds = [question.kind for (number, lang), quiz in BANK.items() if lang == "en" for question in quiz.questions]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {"single": 60, "multiple": 24, "numeric": 58}


def test_every_option_text_differs_from_its_siblings():
    for quiz in BANK.values():
        for question in quiz.questions:
            texts = [option.text for option in question.options]
            assert len(texts) == len(set(texts)), (quiz.slug, question.id)


def test_every_numeric_question_has_a_recomputation():
    ids = {question.id for _, question in NUMERIC}
    assert len(ids) == 58
    assert ids == set(RECOMPUTE), f"missing: {sorted(ids - set(RECOMPUTE))}, stale: {sorted(set(RECOMPUTE) - ids)}"
    by_reference = sum(1 for how, _ in RECOMPUTE.values() if how == "reference")
    assert by_reference >= 45


@pytest.mark.parametrize(
    ("number", "question"), [pytest.param(number, question, id=question.id) for number, question in NUMERIC]
)
def test_numeric_answer_is_recomputed(number, question):
    how, recompute = RECOMPUTE[question.id]
    value = float(recompute())
    assert is_correct(question, value), (
        f"quiz {number:02d} {{#{question.id}}}: the file says {question.answer} ± {question.tolerance}, "
        f"the {how} recomputation gives {value!r}"
    )


def test_every_quiz_names_its_syllabus_area():
    from grader.quiz.bank import AREAS

    missing = sorted(quiz.slug for quiz in BANK.values() if quiz.area not in AREAS)
    assert not missing, f"no area in the front matter of {missing}"
