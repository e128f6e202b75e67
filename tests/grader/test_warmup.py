"""grade exercise N --warm-up: quiz questions linked to the exercise come before its first grading."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import EXERCISES
from grader.learner.warmup import warm_up_plan
from grader.quiz.bank import Quiz, load_bank, option_order
from grader.quiz.terminal import LETTERS

ROOT = Path(__file__).resolve().parents[2]
BANK, _ = load_bank()
SEED = 5


def answer(quiz: Quiz, question_id: str, right: bool = True) -> str:
    """What a learner types to answer one question right (or wrong)."""
    question = quiz.question(question_id)
    if question.kind == "numeric":
        return str(question.answer if right else question.answer + 1000)
    order = option_order(question, SEED, quiz.shuffle)
    letters = [LETTERS[shown] for shown, index in enumerate(order) if question.options[index].correct == right]
    return " ".join(letters if right else letters[:1])


def answers(number: int, lang: str = "en", wrong: frozenset[int] = frozenset()) -> list[str]:
    """The lines typed for the warm-up of exercise ``number``; positions in ``wrong`` answered wrongly."""
    lines = []
    for quiz_number, ids in warm_up_plan(number, BANK):
        for question_id in ids:
            lines.append(answer(BANK[(quiz_number, lang)], question_id, right=len(lines) not in wrong))
    return lines


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "exercises").mkdir()
    for number in (3, 10):
        stub = ROOT / "exercises" / f"{EXERCISES[number].module}.py"
        shutil.copy(stub, tmp_path / "exercises" / stub.name)
    (tmp_path / "notes").mkdir()
    return tmp_path


def grade(workspace: Path, *args: str, input: str = ""):
    old = Path.cwd()
    os.chdir(workspace / "notes")
    try:
        return CliRunner().invoke(main, list(args), input=input)
    finally:
        os.chdir(old)


def warm_up(workspace: Path, number: int, lines: list[str], lang: str = "en"):
    typed = "".join(line + "\n" for line in lines)
    return grade(workspace, "exercise", str(number), "--warm-up", "--warm-up-seed", str(SEED), "--lang", lang,
                 input=typed)  # fmt: skip


def test_right_answers_then_the_grading(workspace):
    done = warm_up(workspace, 3, answers(3))
    assert done.exit_code == 1, done.output  # the untouched stub is not attempted
    output = done.output
    assert "Warm-up: 3 questions on the ideas behind exercise 3" in output
    assert "Quiz 4: Backpropagation" in output
    assert output.count("Right.") == 3
    assert output.count("Explanation:") == 3
    assert "Warm-up done: 3 of 3 right. Grading exercise 3:" in output
    assert output.index("Warm-up done") < output.index("Exercise 3: Derivatives and backpropagation")
    assert "Not attempted" in output
    record = json.loads((workspace / ".grade" / "warm-up.json").read_text(encoding="utf-8"))
    assert [item["correct"] for item in record["3"]["answers"]] == [True, True, True]
    assert {item["quiz"] for item in record["3"]["answers"]} == {4}
    assert not (workspace / ".grade" / "quiz-attempts").exists()  # grade quiz 4 --review is unaffected


def test_the_warm_up_is_asked_once(workspace):
    assert "Warm-up done" in warm_up(workspace, 3, answers(3)).output
    again = warm_up(workspace, 3, answers(3))
    assert "answered already" in again.output
    assert "Quiz 4" not in again.output
    assert "Exercise 3: Derivatives and backpropagation" in again.output


def test_a_wrong_answer_shows_the_explanation_and_goes_on(workspace):
    done = warm_up(workspace, 3, answers(3, wrong=frozenset({0})))
    output = done.output
    wrong_at = output.index("Wrong.")
    assert output.index("Explanation:", wrong_at) < output.index("[2/3]")
    assert output.count("Right.") == 2
    assert "Warm-up done: 2 of 3 right." in output
    assert "Not attempted" in output


def test_stopping_early_still_grades_and_asks_again_next_time(workspace):
    stopped = warm_up(workspace, 3, answers(3)[:1])
    assert "Warm-up stopped: it is asked again the next time you use --warm-up." in stopped.output
    assert "Exercise 3: Derivatives and backpropagation" in stopped.output
    assert not (workspace / ".grade" / "warm-up.json").exists()
    quit_now = warm_up(workspace, 3, ["q"])
    assert "[1/3]" in quit_now.output
    assert "Warm-up stopped" in quit_now.output


def test_warm_up_in_japanese(workspace):
    done = warm_up(workspace, 3, answers(3, lang="ja"), lang="ja")
    assert "ウォームアップ: 採点の前に、課題 3 の考え方を問う 3 問に答えてください。" in done.output
    assert done.output.count("正解です。") == 3
    assert "ウォームアップ終了: 3 問中 3 問正解。" in done.output
    assert "未着手" in done.output


def test_an_exercise_without_a_linked_quiz_is_graded_at_once(workspace):
    done = grade(workspace, "exercise", "10", "--warm-up", "--lang", "en")
    assert "No confirmation test is linked to exercise 10" in done.output
    assert "Exercise 10:" in done.output


def test_warm_up_does_not_go_with_machine_formats(workspace):
    done = grade(workspace, "exercise", "3", "--warm-up", "--format", "json")
    assert done.exit_code == 2
    assert "--warm-up asks questions in the terminal" in done.output


# --- which questions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(EXERCISES), ids=lambda n: f"ex{n:02d}")
def test_the_questions_come_from_quizzes_linked_to_the_exercise(number):
    plan = warm_up_plan(number, BANK)
    linked = {quiz.number for (_, lang), quiz in BANK.items() if lang == "en" and number in quiz.exercises}
    if not linked:
        assert plan == []
        return
    asked = [question_id for _, ids in plan for question_id in ids]
    assert 2 <= len(asked) <= 3
    assert len(set(asked)) == len(asked)
    for quiz_number, ids in plan:
        assert quiz_number in linked
        for lang in ("en", "ja"):
            assert all(BANK[(quiz_number, lang)].question(question_id) for question_id in ids)


def test_questions_name_what_the_exercise_asks_for():
    def text(quiz: int, question_id: str) -> str:
        question = BANK[(quiz, "en")].question(question_id)
        return " ".join([question.title, question.body, *(option.text for option in question.options)])

    texts = {
        number: [text(quiz, question_id) for quiz, ids in warm_up_plan(number, BANK) for question_id in ids]
        for number in (5, 9)
    }
    assert any("col2im" in text or "im2col" in text for text in texts[5])
    assert any("Xavier" in text for text in texts[9])
    assert any("weight decay" in text.lower() or "L2" in text for text in texts[9])  # quizzes 5 and 8
