"""The terminal quiz: one question at a time, letters, explanations, score; piped input; --review; grade list."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.attempts import ATTEMPTS_FOLDER
from grader.quiz.bank import Quiz, load_bank, load_quiz, option_order
from grader.quiz.terminal import LETTERS, parse_letters, parse_number, plain_text, readable_math, run_quiz

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parent / "quizzes_bad"
GOOD = load_quiz(BAD / "en" / "01-good.md")
GOOD_JA = load_quiz(BAD / "ja" / "01-good.md")
BANK, _ = load_bank()


def right_answers(quiz: Quiz, seed: int, wrong: set[str] = frozenset()) -> list[str]:
    """What a learner types to answer every question right (or wrong, for the ids in ``wrong``)."""
    lines = []
    for question in quiz.questions:
        if question.kind == "numeric":
            lines.append(str(question.answer + 1000 if question.id in wrong else question.answer))
            continue
        order = option_order(question, seed, quiz.shuffle)
        letters = [LETTERS[position] for position, index in enumerate(order) if question.options[index].correct]
        if question.id in wrong:
            letters = [
                LETTERS[position] for position, index in enumerate(order) if not question.options[index].correct
            ][:1]
        lines.append(" ".join(letters))
    return lines


def take(quiz: Quiz, lines: list[str], seed: int = 3, only_ids=None) -> tuple[list[dict], str]:
    output = io.StringIO()
    answers = run_quiz(quiz, input=io.StringIO("".join(line + "\n" for line in lines)), output=output, seed=seed,
                       only_ids=only_ids)  # fmt: skip
    return answers, output.getvalue()


# --- run_quiz -----------------------------------------------------------------------------


def test_all_right_scores_full_marks_and_explains_every_answer():
    answers, shown = take(GOOD, right_answers(GOOD, 3))
    assert [answer["correct"] for answer in answers] == [True, True, True]
    assert "Score: 3/3 (100%)" in shown
    assert shown.count("Right.") == 3
    assert shown.count("Explanation:") == 3
    assert "ReLU and tanh are activation functions" in shown


def test_questions_come_one_at_a_time_with_lettered_options():
    _, shown = take(GOOD, right_answers(GOOD, 3))
    first, second, third = (shown.index(f"[{n}/3]") for n in (1, 2, 3))
    assert first < shown.index("Explanation:") < second < third
    assert "  a) " in shown
    assert "  c) " in shown
    assert "  d) " not in shown
    assert "Select all that apply" in shown


def test_latex_is_shown_as_unicode_math():
    _, shown = take(GOOD, right_answers(GOOD, 3))
    assert "What is σ(0)?" in shown
    assert "σ(0) = 1/(1 + 1) = 0.5." in shown
    assert "<math" not in shown
    assert "$" not in shown
    assert "\\" not in shown


def test_display_math_stands_on_a_line_of_its_own():
    assert readable_math(r"So $$\frac{a+b}{c d}$$ holds; $x_i^2$ too.") == "So\n    (a + b)/(c d)\n holds; xᵢ² too."
    assert plain_text("Where\n$$\\partial L$$\nends") == ["Where", "    ∂L", "ends"]


def test_math_in_code_stays_as_typed():
    assert readable_math(r"`$\alpha$` and $\alpha$") == r"`$\alpha$` and α"


def test_no_tex_command_reaches_the_terminal_from_the_bank():
    assert len(BANK) >= 40
    for quiz in BANK.values():
        for question in quiz.questions:
            texts = [question.title, question.body, question.explanation, *(o.text for o in question.options)]
            for text in texts:
                shown = "\n".join(plain_text(text))
                assert not re.search(r"\\[A-Za-z]", shown), (quiz.number, question.id, shown)


def test_chosen_options_are_recorded_in_source_order():
    answers, _ = take(GOOD, right_answers(GOOD, 3))
    assert answers[0]["chosen"] == [1]
    assert answers[1]["chosen"] == [0, 1]
    assert answers[2]["chosen"] == 4.0
    assert all(answer["seconds"] >= 0 for answer in answers)


def test_a_wrong_answer_shows_the_right_letters():
    lines = right_answers(GOOD, 3, wrong={"pick-one", "pick-several", "a-number"})
    answers, shown = take(GOOD, lines)
    assert [answer["correct"] for answer in answers] == [False, False, False]
    order = option_order(GOOD.questions[1], 3, True)
    right = ", ".join(LETTERS[position] for position, index in enumerate(order) if index in (0, 1))
    assert f"Wrong. The answers are {right}." in shown
    assert "Wrong. The answer is 4." in shown
    assert "Score: 0/3 (0%)" in shown
    assert "To review:" in shown
    assert "  - Pick several" in shown


def test_letters_may_be_written_in_many_ways():
    lines = right_answers(GOOD, 3)
    lines[1] = lines[1].replace(" ", "").upper()
    answers, _ = take(GOOD, lines)
    assert answers[1]["correct"]


def test_bad_input_is_asked_again():
    lines = right_answers(GOOD, 3)
    answers, shown = take(GOOD, ["", "z", "a b", lines[0], "", lines[1], "four", lines[2]])
    assert [answer["correct"] for answer in answers] == [True, True, True]
    assert "Type a letter (a-c), or q to stop." in shown
    assert "There is no option 'z'" in shown
    assert "This question has one right answer" in shown
    assert "Type a number" in shown


def test_input_that_ends_early_stops_cleanly():
    answers, shown = take(GOOD, right_answers(GOOD, 3)[:1])
    assert len(answers) == 1
    assert "Stopped after 1 of 3 questions; this attempt is not saved." in shown
    assert "Score:" not in shown


def test_q_stops_the_quiz():
    answers, shown = take(GOOD, ["q"])
    assert answers == []
    assert "Stopped after 0 of 3" in shown


def test_only_ids_asks_just_those():
    answers, shown = take(GOOD, ["4"], only_ids=["a-number"])
    assert [answer["id"] for answer in answers] == ["a-number"]
    assert "[1/1] A number" in shown
    assert "Review: the 1 question(s) you got wrong last time." in shown


def test_japanese_quiz_speaks_japanese():
    answers, shown = take(GOOD_JA, right_answers(GOOD_JA, 3))
    assert "得点: 3/3（100%）" in shown
    assert "正解です。" in shown
    assert "解説:" in shown
    assert "Score" not in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.25", 0.25), ("-0.3", -0.3), ("1e-3", 0.001), ("78,400", 78400.0), ("1/1024", 1 / 1024), ("０．５", 0.5),
     ("\u22122", -2.0), (" 7 ", 7.0), ("seven", None), ("1/0", None), ("inf", None), ("1,2", None)],
)  # fmt: skip
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a", {0}), ("a c", {0, 2}), ("AC", {0, 2}), ("a, c", {0, 2}), ("ａ", {0}), ("a a", {0}), ("", "empty"),
     ("e", "e"), ("1", "1")],
)  # fmt: skip
def test_parse_letters(text, expected):
    assert parse_letters(text, 4) == expected


# --- grade quiz N, through click -------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "exercises").mkdir()
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def grade(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def saved(workspace: Path) -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted((workspace / ATTEMPTS_FOLDER).glob("*.json"))
    ]


@pytest.mark.parametrize("number", range(1, 11))
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_quiz_can_be_taken_in_the_terminal(workspace, number, lang):
    quiz = BANK[(number, lang)]
    result = grade("quiz", str(number), "--lang", lang, "--seed", "11", input="\n".join(right_answers(quiz, 11)) + "\n")
    assert result.exit_code == 0, result.output
    total = len(quiz.questions)
    assert (f"Score: {total}/{total} (100%)" if lang == "en" else f"得点: {total}/{total}（100%）") in result.output
    (record,) = saved(workspace)
    assert (record["quiz"], record["lang"], record["score"], record["max_score"]) == (number, lang, total, total)


def test_review_asks_again_only_what_was_wrong(workspace):
    quiz = BANK[(4, "en")]
    wrong = {quiz.questions[1].id, quiz.questions[5].id, quiz.questions[9].id}
    first = grade("quiz", "4", "--lang", "en", "--seed", "2", input="\n".join(right_answers(quiz, 2, wrong)) + "\n")
    assert first.exit_code == 0, first.output
    assert "Ask the wrong ones again: grade quiz 4 --review" in first.output
    # answer the first of the three right, the other two wrong again
    retry = [question for question in quiz.questions if question.id in wrong]
    sub = Quiz(**{**quiz.__dict__, "questions": tuple(retry)})
    lines = right_answers(sub, 2, wrong={retry[1].id, retry[2].id})
    review = grade("quiz", "4", "--lang", "en", "--seed", "2", "--review", input="\n".join(lines) + "\n")
    assert review.exit_code == 0, review.output
    assert "[1/3]" in review.output
    assert "[3/3]" in review.output
    assert "[4/3]" not in review.output
    for question in retry:
        assert question.title in review.output
    assert quiz.questions[0].title not in review.output
    records = saved(workspace)
    assert [record["review"] for record in records] == [False, True]
    again = grade("quiz", "4", "--lang", "en", "--seed", "2", "--review", input="\n".join(lines[1:]) + "\n")
    assert "[1/2]" in again.output
    assert "[2/2]" in again.output


def test_review_before_any_attempt_or_after_a_perfect_one(workspace):
    first = grade("quiz", "1", "--lang", "en", "--review")
    assert first.exit_code == 0
    assert "No saved attempt at quiz 1 yet" in first.output
    quiz = BANK[(1, "en")]
    grade("quiz", "1", "--lang", "en", "--seed", "0", input="\n".join(right_answers(quiz, 0)) + "\n")
    again = grade("quiz", "1", "--lang", "en", "--review")
    assert "Nothing to review" in again.output


def test_stopping_early_saves_nothing_and_exits_1(workspace):
    quiz = BANK[(2, "en")]
    result = grade("quiz", "2", "--lang", "en", "--seed", "0", input="\n".join(right_answers(quiz, 0)[:3]) + "\n")
    assert result.exit_code == 1
    assert f"Stopped after 3 of {len(quiz.questions)} questions" in result.output
    assert saved(workspace) == []


def test_grade_list_shows_the_best_score_per_quiz(workspace):
    quiz = BANK[(3, "en")]
    grade(
        "quiz",
        "3",
        "--lang",
        "en",
        "--seed",
        "1",
        input="\n".join(right_answers(quiz, 1, {quiz.questions[0].id})) + "\n",
    )
    grade("quiz", "3", "--lang", "en", "--seed", "1", input="\n".join(right_answers(quiz, 1)) + "\n")
    grade(
        "quiz",
        "3",
        "--lang",
        "en",
        "--seed",
        "1",
        input="\n".join(right_answers(quiz, 1, {q.id for q in quiz.questions})) + "\n",
    )  # noqa: E501
    listing = grade("list", "--lang", "en")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.split("Confirmation tests (grade quiz N):")[1].splitlines()
    row = next(line for line in lines if line.startswith(" 3  Numerical differentiation"))
    count = len(quiz.questions)
    assert row.rstrip().endswith(f"best {count}/{count}")
    assert next(line for line in lines if line.startswith(" 1  ")).rstrip().endswith("not taken yet")
    ja = grade("list", "--lang", "ja").output
    assert f"最高 {count}/{count}" in ja
    assert "確認テスト" in ja


def test_without_a_workspace_attempts_go_to_the_data_folder_and_list_reads_them(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    quiz = BANK[(5, "ja")]
    result = grade("quiz", "5", "--lang", "ja", "--seed", "4", input="\n".join(right_answers(quiz, 4)) + "\n")
    assert result.exit_code == 0, result.output
    assert list((data / ATTEMPTS_FOLDER).glob("05-ja-*.json"))
    assert not (tmp_path / ".grade").exists()  # never a stray ./.grade/
    assert result.output.count(f"確認テストの記録は {data} に保存します") == 1
    count = len(quiz.questions)
    listing = grade("list", "--lang", "en")
    quizzes = listing.output.split("Confirmation tests (grade quiz N):")[1].splitlines()
    assert next(line for line in quizzes if line.startswith(" 5  ")).rstrip().endswith(f"best {count}/{count}")
    assert not (tmp_path / ".grade").exists()


def test_an_unwritable_data_folder_is_a_clear_error_before_any_question(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(tmp_path / "a-file" / "dlgrade"))
    monkeypatch.chdir(tmp_path)
    result = grade("quiz", "1", "--lang", "en", input="a\n")
    assert result.exit_code == 3
    assert f"can not keep your progress in {tmp_path / 'a-file' / 'dlgrade'}" in result.output
    assert "set DLGRADE_DATA_DIR to a folder you can write to" in result.output
    assert "Question 1" not in result.output
    assert not (tmp_path / ".grade").exists()


def test_language_follows_the_locale(workspace, monkeypatch):
    monkeypatch.setenv("GRADE_LANG", "ja_JP.UTF-8")
    result = grade("quiz", "1", input="q\n")
    assert "確認テスト 1" in result.output


# --- usage errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["quiz"], "name a quiz", id="no number"),
        pytest.param(["quiz", "99"], "no quiz 99; the quizzes are 1, 2", id="unknown number"),
        pytest.param(["quiz", "1", "--html", "a.html", "--export", "gift"], "can not be combined", id="two outputs"),
        pytest.param(["quiz", "1", "--review", "--export", "gift"], "--review asks questions", id="review and export"),
        pytest.param(["quiz", "1", "-o", "x.gift"], "-o/--output names the file for --export", id="output alone"),
        pytest.param(["quiz", "1", "--export", "pdf"], "Invalid value for '--export'", id="unknown format"),
    ],
)
def test_usage_errors_exit_2(workspace, args, message):
    result = grade(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_help_lists_the_examples_line_by_line():
    shown = grade("quiz", "--help").output
    assert "\\b" not in shown
    assert "  grade quiz 3 --review         only the questions you got wrong last time\n" in shown


def test_html_page_for_one_quiz(workspace):
    pytest.importorskip("grader.quiz.page", reason="grader.quiz.page (the HTML pages) is not there yet")
    result = grade("quiz", "9", "--lang", "ja", "--html", "q9.html", "--seed", "1")
    assert result.exit_code == 0, result.output
    page = (workspace / "q9.html").read_text(encoding="utf-8")
    assert "<math" in page
    assert 'lang="ja"' in page


# --- the real command with a pipe -------------------------------------------------------------


def _run(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    environment.pop("GRADE_QUIZ_ROOT", None)
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=environment,
        timeout=120,
        check=False,
    )


def test_answers_piped_on_stdin(workspace):
    quiz = BANK[(6, "en")]
    completed = _run(["quiz", "6", "--lang", "en", "--seed", "5"], "\n".join(right_answers(quiz, 5)) + "\n", workspace)
    assert completed.returncode == 0, completed.stderr
    assert f"Score: {len(quiz.questions)}/{len(quiz.questions)} (100%)" in completed.stdout
    assert "Saved: .grade/quiz-attempts/06-en-" in completed.stdout
    assert completed.stderr == ""


def test_a_pipe_that_ends_early(workspace):
    quiz = BANK[(7, "ja")]
    completed = _run(["quiz", "7", "--lang", "ja", "--seed", "5"], "\n".join(right_answers(quiz, 5)[:2]), workspace)
    assert completed.returncode == 1
    assert f"{len(quiz.questions)} 問中 2 問で終了しました。この回答は保存されません。" in completed.stdout
    assert not (workspace / ATTEMPTS_FOLDER).exists()


# --- what a quiz file may not do to a terminal ------------------------------------------------------


def test_raw_html_is_shown_as_typed():
    html = '<script>alert(1)</script> <img src=x onerror=alert(1)> <a href="javascript:x">here</a>'
    question = dataclasses.replace(GOOD.questions[2], body=html, explanation=html)
    _, shown = take(dataclasses.replace(GOOD, questions=(question,)), ["4"])
    assert shown.count(html) == 2


def test_control_characters_never_reach_the_terminal_even_past_the_loader():
    """The loader refuses them in a file; a Quiz made some other way is still shown escaped."""
    clear, title = "\x1b[2J\x1b[H", "\x1b]0;pwned\x07"
    question = dataclasses.replace(
        GOOD.questions[0],
        title=f"Pick{clear}one",
        body=f"What{clear} is it?\u202e",
        options=tuple(
            dataclasses.replace(option, text=f"{option.text}{title}") for option in GOOD.questions[0].options
        ),
        explanation=f"Because{clear}.",
    )
    quiz = dataclasses.replace(GOOD, title=f"Quiz{title}", questions=(question,))
    _, shown = take(quiz, ["q"])
    for control in ("\x1b", "\x07", "\u202e"):
        assert control not in shown
    assert "What\\x1b[2J\\x1b[H is it?\\u202e" in shown
    assert "Quiz\\x1b]0;pwned\\x07" in shown
