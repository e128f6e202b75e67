"""The quiz loader: the model it builds, and a clear error (file, line, fix) for every kind of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import QuizError
from grader.quiz import Question, compare_languages, is_correct, load_bank, load_quiz, option_order, quiz_root

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parent / "quizzes_bad"
GOOD = (BAD / "en" / "01-good.md").read_text(encoding="utf-8")


def _write(folder: Path, name: str, text: str, lang: str = "en") -> Path:
    path = folder / lang / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> QuizError:
    with pytest.raises(QuizError) as caught:
        load_quiz(path)
    return caught.value


# --- the model -----------------------------------------------------------------------


def test_a_good_quiz_loads_with_every_field():
    quiz = load_quiz(BAD / "en" / "01-good.md")
    assert (quiz.number, quiz.slug, quiz.lang, quiz.title) == (1, "01-good", "en", "A good quiz")
    assert (quiz.topics, quiz.exercises, quiz.shuffle) == (("activation",), (1,), True)
    one, several, number = quiz.questions
    assert (one.id, one.title, one.kind, one.line) == ("pick-one", "Pick one", "single", 7)
    assert one.body == r"What is $\sigma(0)$?"
    assert [option.text for option in one.options] == ["$0$", "$0.5$", "$1$"]
    assert [option.correct for option in one.options] == [False, True, False]
    assert one.explanation == r"$\sigma(0) = \frac{1}{1 + 1} = 0.5$."
    assert several.kind == "multiple"
    assert several.correct_indices == {0, 1}
    assert (number.kind, number.answer, number.tolerance, number.options) == ("numeric", 4.0, 0.0, ())


def test_quiz_root_is_the_project_bank(monkeypatch):
    monkeypatch.delenv("GRADE_QUIZ_ROOT", raising=False)
    assert quiz_root() == ROOT / "quizzes"
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(BAD))
    assert quiz_root() == BAD


def test_tolerance_shuffle_and_multi_line_parts(tmp_path):
    text = (
        '+++\ntitle = "T"\nshuffle = false\n+++\n\n'
        "## Numeric {#numeric}\nA\n\nB with a list:\n\n- not an option\n\n= -0.29 ± 0.001\n\n"
        "> first line\n>\n> second paragraph\n\n"
        "## Choice {#choice}\nQ\n\n- [X] right and\n  continued\n- [ ] wrong\n\n> because\n"
    )
    quiz = load_quiz(_write(tmp_path, "04-parts.md", text))
    numeric, choice = quiz.questions
    assert quiz.shuffle is False
    assert (numeric.answer, numeric.tolerance) == (-0.29, 0.001)
    assert numeric.body == "A\n\nB with a list:\n\n- not an option"
    assert numeric.explanation == "first line\n\nsecond paragraph"
    assert choice.options[0].text == "right and\ncontinued"
    assert choice.options[0].correct


def test_code_blocks_may_hold_headings_answers_and_dollars(tmp_path):
    text = (
        '+++\ntitle = "T"\n+++\n\n## Code {#code}\nWhat prints?\n\n```\n## not a heading\n= 3\n- [ ] no\n'
        "cost = $5\n```\n\nThe `$x` in code is not math either.\n\n= 3\n\n> `print` shows it.\n"
    )
    quiz = load_quiz(_write(tmp_path, "05-code.md", text))
    assert len(quiz.questions) == 1
    assert "## not a heading" in quiz.questions[0].body
    assert quiz.questions[0].answer == 3


# --- every kind of bad input: the fixtures in quizzes_bad/ ---------------------------------


@pytest.mark.parametrize(
    ("name", "line", "problem", "fix"),
    [
        pytest.param("02-no-correct.md", 10, "{#pick-one} has no correct option", "- [x]", id="no correct option"),
        pytest.param(
            "03-duplicate-id.md", 25, "{#pick-one} is used twice (first on line 7)", "own id", id="duplicate id"
        ),
        pytest.param("04-missing-id.md", 16, "'Pick several' has no id", "{#pick-several}", id="missing id"),
        pytest.param("05-unbalanced-dollar.md", 26, "unbalanced $", "\\$", id="unbalanced dollar"),
        pytest.param(
            "06-unknown-command.md", 14, "unknown command \\farc", "did you mean \\frac?", id="unknown command"
        ),
        pytest.param("07-math-does-not-parse.md", 12, "does not parse", "fix the LaTeX", id="math does not parse"),
        pytest.param(
            "08-unknown-key.md", 5, "unknown front-matter key 'shufle'", "did you mean shuffle", id="unknown key"
        ),
        pytest.param("10-bad-toml.md", 2, "not valid TOML", "double quotes", id="bad toml"),
        pytest.param("11-answer-not-a-number.md", 28, "'four' is not a number", "= 0.25", id="answer not a number"),
        pytest.param("12-no-explanation.md", 16, "{#pick-several} has no explanation", "> ", id="no explanation"),
        pytest.param("13-no-checkbox.md", 21, "option has no checkbox", "- [ ] text", id="option without checkbox"),
    ],
)
def test_bad_file_error_names_file_line_and_fix(name, line, problem, fix):
    error = _error(BAD / "en" / name)
    assert error.path.name == name
    assert error.line == line
    assert problem in error.problem
    assert fix in error.fix
    assert str(error).endswith(f"{name}:{line}: {error.problem}; {error.fix}")
    assert str(error).startswith("tests/grader/quizzes_bad/en/") or not Path.cwd().samefile(ROOT)


# --- more bad input, written on the fly ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        pytest.param("+++\ntitle", "title", 1, "does not start with front matter", id="no front matter"),
        pytest.param("exercises = [1]\n+++\n", "exercises = [1]\n", 1, "never closed", id="front matter not closed"),
        pytest.param('title = "A good quiz"\n', "", 1, "has no title", id="no title"),
        pytest.param("exercises = [1]", 'exercises = ["one"]', 4, "exercises must be", id="exercises not numbers"),
        pytest.param("exercises = [1]", 'exercises = [1]\nshuffle = "no"', 5, "shuffle must be", id="shuffle not bool"),
        pytest.param("\n## Pick one", "\nIntro text.\n\n## Pick one", 7, "text before the first question", id="intro"),
        pytest.param("{#pick-one}", "{#Pick One}", 7, "not a valid question id", id="bad id"),
        pytest.param("## Pick one {#pick-one}", "## {#pick-one}", 7, "heading has no title", id="no title in heading"),
        pytest.param("- [ ] $0$\n- [x] $0.5$\n- [ ] $1$\n", "- [x] $0.5$\n", 10, "only one option", id="one option"),
        pytest.param("- [ ] $1$", "- [ ] $0$", 12, "repeats the one on line 10", id="same option twice"),
        pytest.param("- [ ] $1$", "- [?] $1$", 12, "checkbox [?]", id="odd checkbox"),
        pytest.param("- [ ] $1$", "- [ ]", 12, "option has no text", id="empty option"),
        pytest.param("- [ ] $1$\n", "- [ ] $1$\n= 3\n", 13, "both options and", id="options and answer"),
        pytest.param(
            "= 4\n", "= 4\n- [x] four\n", 29, "has both an '= VALUE' line and options", id="answer then option"
        ),
        pytest.param(
            "= 4\n", "- [x] four\n= 4\n", 29, "has both options and an '= VALUE' line", id="option then answer"
        ),
        pytest.param("= 4\n", "= 4\n= 5\n", 29, "second '= VALUE' line", id="two answers"),
        pytest.param("= 4\n", "= 4\nmore words\n", 29, "text after the '= VALUE' line", id="text after answer"),
        pytest.param("= 4\n", "= 4 ± -1\n", 28, "tolerance", id="negative tolerance"),
        pytest.param("= 4\n", "= 78,400\n", 28, "not a number", id="thousands separator"),
        pytest.param("= 4\n", "= nan\n", 28, "not a number", id="nan"),
        pytest.param("= 4\n", "", 25, "no options and no '= VALUE' line", id="neither options nor answer"),
        pytest.param("- [ ] $1$\n", "- [ ] $1$\nA stray line.\n", 13, "between the options and", id="stray text"),
        pytest.param("0.5$.\n", "0.5$.\n\nAfterwards.\n", 16, "text after the explanation", id="after explanation"),
        pytest.param("0.5$.\n", "0.5$.\n- [ ] late\n", 15, "after its explanation", id="option after explanation"),
        pytest.param("What is $2 + 2$?", "What is $ 2 + 2$?", 26, "stray $", id="space inside dollars"),
        pytest.param("What is $2 + 2$?", "What is\n$$\n2 +\n\\frac{1}{\n$$", 30, "does not parse", id="display math"),
    ],
)
def test_more_bad_input(tmp_path, old, new, line, problem):
    assert old in GOOD
    error = _error(_write(tmp_path, "01-good.md", GOOD.replace(old, new, 1)))
    assert error.line == line, str(error)
    assert problem in error.problem, str(error)
    assert error.fix


def test_heading_without_checkbox_above_options(tmp_path):
    text = GOOD.replace("- [ ] $0$\n", "- $0$\n", 1)
    error = _error(_write(tmp_path, "01-good.md", text))
    assert (error.line, error.problem) == (10, "this list item right above the options has no checkbox")


def test_file_name_and_folder_are_checked(tmp_path):
    assert "NN-topic.md" in _error(_write(tmp_path, "good.md", GOOD)).problem
    assert "folder named 'de'" in _error(_write(tmp_path, "01-good.md", GOOD, lang="de")).problem


def test_a_file_that_is_not_utf8(tmp_path):
    path = _write(tmp_path, "01-good.md", GOOD)
    path.write_bytes(GOOD.encode("utf-8") + b"\n\xff\n")
    error = _error(path)
    assert (error.line, error.problem) == (32, "the file is not UTF-8")


def test_a_quiz_without_questions(tmp_path):
    error = _error(_write(tmp_path, "01-empty.md", '+++\ntitle = "Empty"\n+++\n\n'))
    assert "no questions" in error.problem


# --- both languages -----------------------------------------------------------------------


def test_bad_quizzes_are_left_out_and_the_good_ones_still_load():
    quizzes, errors = load_bank(BAD)
    assert sorted(quizzes) == [(1, "en"), (1, "ja")]
    bad_numbers = {int(error.path.name[:2]) for error in errors}
    assert bad_numbers == {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert all(":" in str(error) and "; " in str(error) for error in errors)


def test_a_drifting_translation_names_the_question():
    _, errors = load_bank(BAD, numbers=[9])
    (error,) = errors
    assert error.path == BAD / "ja" / "09-drift.md"
    assert error.line == 25
    assert "{#a-number} has the answer 5 here but 4 in" in error.problem
    assert "09-drift.md:25" in error.problem


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param("- [ ] 交差エントロピー\n", "", "has 2 options here but 3", id="option count"),
        pytest.param(
            "- [x] tanh\n- [ ] 交差",
            "- [ ] tanh\n- [x] 交差",
            "marks option(s) 1, 3 correct here but 1, 2",
            id="answer key",
        ),
        pytest.param("{#a-number}", "{#a-value}", "{#a-value} is not in", id="different id"),
        pytest.param("exercises = [1]", "exercises = [2]", "exercises is (2,) here but (1,)", id="front matter"),
        pytest.param("= 4\n", "- [x] 4\n- [ ] 5\n", "is single here but numeric", id="kind"),
    ],
)
def test_a_language_pair_that_disagrees_is_left_out(tmp_path, old, new, problem):
    japanese = (BAD / "ja" / "01-good.md").read_text(encoding="utf-8")
    assert old in japanese
    _write(tmp_path, "01-good.md", GOOD)
    _write(tmp_path, "01-good.md", japanese.replace(old, new, 1), lang="ja")
    _write(tmp_path, "02-fine.md", GOOD)
    _write(tmp_path, "02-fine.md", japanese, lang="ja")
    quizzes, errors = load_bank(tmp_path)
    assert sorted(quizzes) == [(2, "en"), (2, "ja")]
    assert any(problem in error.problem for error in errors), [str(error) for error in errors]
    assert all(error.path.name == "01-good.md" for error in errors)


def test_a_missing_translation(tmp_path):
    _write(tmp_path, "01-good.md", GOOD)
    quizzes, errors = load_bank(tmp_path)
    assert quizzes == {}
    assert "has no ja version" in errors[0].problem


def test_compare_languages_reports_a_question_missing_from_the_translation():
    english = load_quiz(BAD / "en" / "01-good.md")
    japanese = load_quiz(BAD / "ja" / "01-good.md")
    shorter = japanese.__class__(**{**japanese.__dict__, "questions": japanese.questions[:2]})
    (error,) = compare_languages(english, shorter)
    assert error.path == english.path
    assert error.line == 25
    assert "{#a-number} is missing from" in error.problem


# --- answering ------------------------------------------------------------------------------


QUESTION = load_quiz(BAD / "en" / "01-good.md").questions


def test_option_order_is_a_seeded_permutation():
    question = QUESTION[1]
    orders = {tuple(option_order(question, seed, True)) for seed in range(30)}
    assert all(sorted(order) == [0, 1, 2] for order in orders)
    assert len(orders) > 1
    assert option_order(question, 5, True) == option_order(question, 5, True)
    assert option_order(question, 5, False) == [0, 1, 2]
    assert option_order(QUESTION[2], 5, True) == []


def test_option_order_differs_between_questions_under_one_seed():
    quizzes, _ = load_bank(numbers=[1])
    orders = [tuple(option_order(question, 0, True)) for question in quizzes[(1, "en")].questions if question.options]
    assert len(set(orders)) > 1


@pytest.mark.parametrize(
    ("index", "response", "expected"),
    [
        pytest.param(0, {1}, True, id="single right"),
        pytest.param(0, {0}, False, id="single wrong"),
        pytest.param(0, set(), False, id="single nothing"),
        pytest.param(1, {0, 1}, True, id="multiple all right"),
        pytest.param(1, [1, 0], True, id="multiple as a list"),
        pytest.param(1, {0}, False, id="multiple missing one"),
        pytest.param(1, {0, 1, 2}, False, id="multiple one too many"),
        pytest.param(2, 4.0, True, id="numeric exact"),
        pytest.param(2, 4, True, id="numeric integer"),
        pytest.param(2, np.int64(4), True, id="numeric numpy integer"),
        pytest.param(2, True, False, id="numeric given a bool"),
        pytest.param(2, 4.000000001, True, id="numeric within 1e-9 relative"),
        pytest.param(2, 4.001, False, id="numeric outside the default tolerance"),
        pytest.param(2, float("nan"), False, id="numeric nan"),
        pytest.param(2, {2}, False, id="numeric given letters"),
        pytest.param(0, 0.5, False, id="choice given a number"),
    ],
)
def test_is_correct(index, response, expected):
    assert is_correct(QUESTION[index], response) is expected


def test_is_correct_honours_the_tolerance_edges():
    question = Question("q", "Q", "", "numeric", (), 0.95, 0.001, "", 1)
    assert is_correct(question, 0.951)  # 0.951 - 0.95 is a hair above 0.001 in floating point
    assert is_correct(question, 0.949)
    assert not is_correct(question, 0.9515)


# --- a broken quiz is not rendered, the others are -------------------------------------------


@pytest.fixture
def bad_bank(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(BAD))
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


@pytest.mark.parametrize(
    ("options", "written"),
    [
        pytest.param(["--export", "gift", "-o", "out.gift"], "out.gift", id="export"),
        pytest.param(["--html", "out.html"], "out.html", id="html"),
        pytest.param([], ".grade", id="terminal"),
    ],
)
def test_grade_quiz_on_a_broken_file_exits_3_and_writes_nothing(bad_bank, options, written):
    result = CliRunner().invoke(main, ["quiz", "2", "--lang", "en", *options], input="a\n")
    assert result.exit_code == 3
    assert "02-no-correct.md:10: question {#pick-one} has no correct option; mark the right option" in result.output
    assert not (bad_bank / written).exists()


def test_grade_quiz_on_the_good_file_next_to_broken_ones_works(bad_bank):
    result = CliRunner().invoke(main, ["quiz", "1", "--lang", "ja", "--export", "moodle-xml"])
    assert result.exit_code == 0, result.output
    assert "<quiz>" in result.output


def test_site_renders_only_the_quizzes_without_errors(bad_bank):
    pytest.importorskip("grader.quizpage", reason="grader.quizpage (the HTML pages) is not there yet")
    result = CliRunner().invoke(main, ["quiz", "--site", "site"])
    assert result.exit_code == 3
    assert "02-no-correct.md:10" in result.output
    assert "09-drift.md:25" in result.output
    pages = sorted(path.name for path in (bad_bank / "site").rglob("*.html"))
    assert pages, "no page was written"
    assert any("01" in name for name in pages)
    for number in range(2, 14):
        assert not any(f"{number:02d}-" in name for name in pages), pages


def test_bad_fixture_folder_is_self_contained():
    # every fixture is UTF-8 Markdown under en/ or ja/, so the folder doubles as a bank root
    for path in BAD.rglob("*"):
        if path.is_file():
            assert (path.parent.name in ("en", "ja"), path.suffix) == (True, ".md"), path
