"""Every checked function and class has a ladder of three hints, from a nudge to the near-answer."""

from __future__ import annotations

import importlib
import re

import pytest

from grader.grading.engine import EXERCISES
from grader.text import Text

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # hiragana, katakana, kanji
KANA = re.compile(r"[\u3040-\u30ff]")
CODE = ("np.", "=", "(")
MAX_SKETCH_LINES = 6  # the near-answer is a sketch, not the whole solution


def _hints(number: int) -> dict[str, tuple[Text, ...]]:
    return importlib.import_module(EXERCISES[number].checks_module).HINTS


LADDERS = [
    pytest.param(number, name, id=f"ex{number:02d}-{name}") for number in sorted(EXERCISES) for name in _hints(number)
]


@pytest.mark.parametrize("number", sorted(EXERCISES), ids=lambda number: f"ex{number:02d}")
def test_hints_cover_exactly_the_checked_functions_and_classes(number):
    targets = {check.target for check in EXERCISES[number].build_checks()}
    assert set(_hints(number)) == targets


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_a_ladder_is_three_bilingual_texts(number, name):
    ladder = _hints(number)[name]
    assert isinstance(ladder, tuple)
    assert len(ladder) == 3
    for level, text in enumerate(ladder, start=1):
        assert isinstance(text, Text), f"level {level}"
        assert text.en.strip(), f"level {level}: empty English"
        assert text.ja.strip(), f"level {level}: empty Japanese"
        assert JAPANESE.search(text.ja), f"level {level}: the Japanese text has no Japanese in it"
        assert not KANA.search(text.en), f"level {level}: the English text has kana in it"


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_the_three_levels_differ(number, name):
    ladder = _hints(number)[name]
    assert len({text.en for text in ladder}) == 3
    assert len({text.ja for text in ladder}) == 3


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_the_near_answer_is_a_short_code_sketch(number, name):
    near_answer = _hints(number)[name][2]
    for text in (near_answer.en, near_answer.ja):
        assert any(marker in text for marker in CODE), text
        code_lines = [line for line in text.splitlines() if line.startswith("    ")]
        assert 1 <= len(code_lines) <= MAX_SKETCH_LINES, text
