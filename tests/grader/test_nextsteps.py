"""After a pass: the next exercise, what to read next (one entry per exercise) and the worked solution."""

from __future__ import annotations

import re
import tomllib

import pytest

from grader.course import quizzes_root
from grader.grading.engine import EXERCISES
from grader.learner.nextsteps import READING, next_steps

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# no confirmation test is linked to the completion assignment; quiz 8 (overfitting) asks what it is about
NOT_LINKED = {(10, 8)}


def test_the_reading_table_has_one_entry_per_exercise_in_both_languages():
    assert set(READING) == set(EXERCISES) == set(range(1, 15))
    for number, reading in READING.items():
        for text in (reading.concept, reading.book):
            assert text.en.strip(), number
            assert text.ja.strip(), number
            assert not JAPANESE.search(text.en), (number, text.en)
            assert JAPANESE.search(text.ja), (number, text.ja)
        assert "Deep Learning from Scratch" in reading.book.en
        assert "ゼロから作るDeep Learning" in reading.book.ja
        assert reading.quizzes, number


def linked_exercises(quiz: int, lang: str) -> list[int]:
    """The ``exercises`` of quiz ``quiz``'s front matter (read directly: the whole bank takes seconds to load)."""
    (path,) = (quizzes_root() / lang).glob(f"{quiz:02d}-*.md")
    front = path.read_text(encoding="utf-8").split("+++")[1]
    return tomllib.loads(front)["exercises"]


def test_every_quiz_named_exists_and_is_linked_to_its_exercise():
    for number, reading in READING.items():
        for quiz in reading.quizzes:
            for lang in ("en", "ja"):
                linked = linked_exercises(quiz, lang)
                assert (number in linked) != ((number, quiz) in NOT_LINKED), (number, quiz, lang)


def test_the_next_steps_name_the_next_exercise_the_reading_the_quiz_and_the_solution():
    english = "\n".join(next_steps(1, "en"))
    assert "next exercise:   2  Output layer and losses  ->  grade exercise 2" in english
    assert "chapter 3 (activation functions" in english
    assert "check yourself:  grade quiz 1" in english
    assert "worked solution: grade solution 1" in english
    japanese = "\n".join(next_steps(1, "ja"))
    assert "次の課題:       2  出力層と損失関数 → grade exercise 2" in japanese
    assert "『ゼロから作るDeep Learning』3章" in japanese
    assert "理解の確認:     grade quiz 1" in japanese
    assert "模範解答:       grade solution 1" in japanese
    assert "grade quiz 4, grade quiz 7" in "\n".join(next_steps(7, "en"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_after_the_last_exercise_it_says_so(lang):
    lines = "\n".join(next_steps(14, lang))
    assert "grade exercise 15" not in lines
    assert ("this was the last one" if lang == "en" else "これが最後の課題です") in lines
    assert "grade quiz 14" in lines


def test_without_a_recorded_pass_the_solution_is_not_offered():
    assert not any("grade solution" in line for line in next_steps(3, "en", solution=False))
