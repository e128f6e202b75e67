"""The question bank in quizzes/: size, both languages, and every numeric answer recomputed.

Each numeric question id maps to a function that computes its answer. Where
the reference implementation has the operation (sigmoid, softmax, the
optimizers, the layers, im2col, ...) the function calls it, so the bank and the
reference check each other; the rest (parameter counts, receptive fields,
epochs) are recomputed with plain arithmetic from the numbers in the question.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
def test_the_bank_covers_the_syllabus_with_enough_questions(lang):
    from grader.quiz.bank import AREAS

    quizzes = [quiz for (number, quiz_lang), quiz in BANK.items() if quiz_lang == lang]
    assert len(quizzes) >= 20
    assert sum(len(quiz.questions) for quiz in quizzes) >= 350
    assert all(len(quiz.questions) >= 12 for quiz in quizzes), [q.slug for q in quizzes if len(q.questions) < 12]
    assert {quiz.area for quiz in quizzes} == set(AREAS)


def test_every_question_has_both_languages_with_the_same_key():
    numbers = sorted({number for number, _ in BANK})
    assert numbers == list(range(1, len(numbers) + 1))  # no gaps
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
    shares = {kind: kinds.count(kind) / len(kinds) for kind in ("single", "multiple", "numeric")}
    assert all(share >= 0.15 for share in shares.values()), shares


def test_every_option_text_differs_from_its_siblings():
    for quiz in BANK.values():
        for question in quiz.questions:
            texts = [option.text for option in question.options]
            assert len(texts) == len(set(texts)), (quiz.slug, question.id)


def test_every_numeric_question_has_a_recomputation():
    ids = {question.id for _, question in NUMERIC}
    assert len(ids) == len(NUMERIC)  # ids are unique across the bank
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


def _is_code_completion(question) -> bool:
    return "```" in question.body and ("(A)" in question.body or "（あ）" in question.body)


@pytest.mark.parametrize("key", sorted(BANK), ids=lambda key: f"{key[0]:02d}-{key[1]}")
def test_every_quiz_has_two_to_four_code_completion_questions(key):
    quiz = BANK[key]
    blanks = [question.id for question in quiz.questions if _is_code_completion(question)]
    assert 2 <= len(blanks) <= 4, f"{quiz.slug} ({key[1]}) has {len(blanks)} code completion questions: {blanks}"


@pytest.mark.parametrize("key", sorted(BANK), ids=lambda key: f"{key[0]:02d}-{key[1]}")
def test_the_correct_option_is_not_a_giveaway_by_its_length(key):
    # test-wise learners pick the longest option; it may be the right one in at most 35 % of a quiz's
    # single-choice questions (a tie gives nothing away: code-completion options are often equally long)
    single = [question for question in BANK[key].questions if question.kind == "single"]
    longest = [
        question.id
        for question in single
        if max(len(option.text) for option in question.options if not option.correct)
        < max(len(option.text) for option in question.options if option.correct)
    ]
    assert len(longest) <= 0.35 * len(single), f"{BANK[key].slug}: the right option is the longest in {longest}"


def test_select_all_questions_vary_how_many_options_are_right():
    counts = [
        sum(option.correct for option in question.options)
        for (_, lang), quiz in BANK.items()
        if lang == "en"
        for question in quiz.questions
        if question.kind == "multiple"
    ]
    most_common = max(counts.count(count) for count in set(counts))
    assert most_common <= 0.5 * len(counts), {count: counts.count(count) for count in set(counts)}


# --- answer keys are a promise to recorded attempts ---------------------------------------------------
#
# An attempt records the options chosen by their place in the file; a batch re-scores it against the
# bank.  A question whose options or answer change would re-score old attempts wrongly, so such a
# question gets a new id (``...-v2``); options added after the last one leave old answers as they were.
# Regenerate after a deliberate change: GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_quiz_bank.py

KEYS_FILE = Path(__file__).resolve().parent / "golden" / "answer-keys.json"


def _keys() -> dict[str, list]:
    keys = {}
    for (_, lang), quiz in sorted(BANK.items()):
        if lang != "en":
            continue
        for question in quiz.questions:
            if question.kind == "numeric":
                keys[question.id] = ["numeric", question.answer, question.tolerance]
            else:
                keys[question.id] = [question.kind, len(question.options), sorted(question.correct_indices)]
    return keys


def test_no_answer_key_changes_under_the_same_id():
    keys = _keys()
    if os.environ.get("GRADE_REGENERATE_GOLDEN") == "1":
        lines = [f"{json.dumps(question_id)}: {json.dumps(key)}" for question_id, key in sorted(keys.items())]
        KEYS_FILE.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    recorded = json.loads(KEYS_FILE.read_text(encoding="utf-8"))
    changed = []
    for question_id, key in recorded.items():
        now = keys.get(question_id)
        if now is None:
            continue  # a question taken out: its old answers are reported as unknown, never mis-scored
        kind, *rest = key
        if kind == "numeric" or now[0] != kind:
            same = now == key
        else:  # options appended at the end leave every recorded choice meaning what it meant
            same = now[0] == kind and now[1] >= rest[0] and now[2] == rest[1]
        if not same:
            changed.append(question_id)
    assert not changed, f"answer keys changed under the same id (give the question a new id): {changed}"


def test_the_reused_markdown_parser_keeps_nothing_of_one_text_for_the_next():
    from grader.quiz.bank import _convert_markdown

    first, found = _convert_markdown(
        "[ref]: https://example.org\n\n![diagram](x.png) and <b>raw</b>", ["fenced_code"], "html"
    )
    assert found == [("image", "x.png")]
    assert "&lt;b&gt;" in first
    # a reference defined in the first text does not resolve in the second; the first's findings are not repeated
    second, found = _convert_markdown("see [the page][ref]", ["fenced_code"], "html")
    assert "<a" not in second
    assert found == []
    unsafe, found = _convert_markdown("[x](javascript:alert(1))", ["fenced_code"], "html")
    assert "javascript" not in unsafe
    assert found == [("link", "javascript:alert(1)")]
