"""The quiz loader: the model it builds, and a clear error (file, line, fix) for every kind of bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import QuizError
from grader.quiz.bank import Question, compare_languages, is_correct, load_bank, load_quiz, option_order, quiz_root

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
    pytest.importorskip("grader.quiz.page", reason="grader.quiz.page (the HTML pages) is not there yet")
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


# --- hostile quiz files: an instructor may be handed one -----------------------------------------
#
# What could crash or hang the process that loads it runs in a child process with a time-out that
# the code before these rules exceeded by far, never in pytest's own.

HOSTILE_BODY = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(1)>\n"
    '<iframe src="https://example.com"></iframe> <a href="javascript:alert(1)">here</a>'
)


def test_raw_html_is_text_of_the_quiz_not_an_error(tmp_path):
    """Raw HTML loads as typed: the renderers escape it (see test_quizpage, test_moodle, test_quizterm)."""
    quiz = load_quiz(_write(tmp_path, "01-good.md", GOOD.replace("What is $2 + 2$?", HOSTILE_BODY, 1)))
    assert quiz.questions[2].body == HOSTILE_BODY


@pytest.mark.parametrize(
    ("link", "target"),
    [
        pytest.param("[click](javascript:alert(1))", "javascript:alert(1)", id="javascript"),
        pytest.param("[click](JaVaScRiPt:alert(1))", "JaVaScRiPt:alert(1)", id="mixed case"),
        pytest.param("[click](&#106;avascript:alert(1))", "&#106;avascript:alert(1)", id="character reference"),
        pytest.param("[click](java&#x09;script:alert(1))", "java&#x09;script:alert(1)", id="encoded tab"),
        pytest.param("[click](<java\nscript:alert(1)>)", "java\nscript:alert(1)", id="newline inside"),
        pytest.param("[click](data:text/html,x)", "data:text/html,x", id="data"),
        pytest.param("[click](vbscript:x)", "vbscript:x", id="vbscript"),
        pytest.param("[click][x]\n\n[x]: javascript:alert(1)", "javascript:alert(1)", id="reference"),
    ],
)
def test_a_link_with_an_unsafe_target_is_a_loader_error(tmp_path, link, target):
    text = GOOD.replace("What is $2 + 2$?", f"What is $2 + 2$? See\n{link}", 1)
    error = _error(_write(tmp_path, "01-good.md", text))
    assert error.line == 27 + 2 * link.startswith("[click][x]"), str(error)  # a reference: where it is defined
    assert error.problem == f"the link target {target!r} is not allowed"
    assert error.fix == "link with http:, https:, mailto: or a relative path"


def test_safe_links_load(tmp_path):
    links = (
        "[a](https://example.com/x?y#z) [b](http://e.com) [c](mailto:t@e.com) [d](../x.html) [e](#q-a) <https://e.com>"
    )
    quiz = load_quiz(_write(tmp_path, "01-good.md", GOOD.replace("What is $2 + 2$?", links, 1)))
    assert quiz.questions[2].body == links


def test_an_image_is_a_loader_error(tmp_path):
    text = GOOD.replace("> ReLU and tanh", "> ![a plot](https://example.com/plot.png)\n> ReLU and tanh", 1)
    error = _error(_write(tmp_path, "01-good.md", text))
    assert (error.line, error.problem) == (
        23,
        "the image 'https://example.com/plot.png' can not be shown: a quiz page loads nothing from outside itself",
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "character"),
    [
        pytest.param("What is $2 + 2$?", "What is \x1b[2J$2 + 2$?", 26, "U+001B", id="escape in a question"),
        pytest.param("- [ ] $1$", "- [ ] \x1b]0;pwned\x07$1$", 12, "U+001B", id="title sequence in an option"),
        pytest.param("ReLU and tanh", "ReLU \u202eand tanh", 23, "U+202E", id="bidi override"),
        pytest.param("Pick several", "Pick\x85several", 16, "U+0085", id="C1 next line"),
        pytest.param("activation", "act\x00ivation", 3, "U+0000", id="NUL in the front matter"),
    ],
)
def test_control_characters_in_the_file_are_a_loader_error(tmp_path, old, new, line, character):
    error = _error(_write(tmp_path, "01-good.md", GOOD.replace(old, new, 1)))
    assert (error.line, error.problem) == (line, f"the file holds the control character {character}")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("title", '"\\u001b[2JA good quiz"', id="escape in the title"),
        pytest.param("title", '"A good\\nquiz"', id="line break in the title"),
        pytest.param("topics", '["a\\u202eb"]', id="bidi override in a topic"),
    ],
)
def test_toml_escapes_can_not_smuggle_control_characters(tmp_path, key, value):
    text = GOOD.replace('title = "A good quiz"', 'title = "A good quiz"' if key != "title" else f"title = {value}")
    if key == "topics":
        text = text.replace('topics = ["activation"]', f"topics = {value}")
    error = _error(_write(tmp_path, "01-good.md", text))
    assert (error.line, error.problem) == (
        2 if key == "title" else 3,
        f"{key} holds a line break or a control character",
    )


def test_a_file_larger_than_the_limit_is_not_read(tmp_path):
    from grader.quiz.bank import MAX_QUIZ_BYTES

    padding = "".join(f"\n## Extra {n} {{#extra-{n}}}\nQ?\n\n= 1\n\n> {'x' * 200}.\n" for n in range(2000))
    path = _write(tmp_path, "01-good.md", GOOD + padding)
    assert path.stat().st_size > MAX_QUIZ_BYTES
    error = _error(path)
    assert (error.line, error.problem) == (1, "the file is larger than 256 KiB")


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        pytest.param(
            "exercises = [1]", "exercises = [1]\n# " + "x" * 5000, 2, "the front matter has 5064 characters", id="long"
        ),
        pytest.param(
            'topics = ["activation"]',
            "topics = " + "[" * 2000 + "]" * 2000,
            3,
            "the front matter nests lists or tables 2000 deep",
            id="nested 2000 deep",
        ),
        pytest.param(
            'topics = ["activation"]',
            "topics = [{a = {b = {c = {d = {e = 1}}}}}]",
            3,
            "the front matter nests lists or tables 6 deep",
            id="inline tables",
        ),
        pytest.param(
            "exercises = [1]",
            "exercises = [" + "1" * 5000 + "]",
            2,
            "the front matter has 5060 characters",
            id="5000-digit integer",
        ),
        pytest.param(
            "exercises = [1]",
            "exercises = [" + "1" * 4000 + "]",
            4,
            "the front matter holds a number with 4000 digits",
            id="4000-digit integer",
        ),
        pytest.param(
            "exercises = [1]",
            "exercises = [1]\n\n[section]\nkey = 1" + "_0" * 40,
            7,
            "the front matter holds a number with 41 digits",
            id="digits with underscores",
        ),
    ],
)
def test_front_matter_too_big_deep_or_long_is_a_loader_error(tmp_path, old, new, line, problem):
    error = _error(_write(tmp_path, "01-good.md", GOOD.replace(old, new, 1)))
    assert (error.line, error.problem) == (line, problem), str(error)


def test_brackets_in_strings_and_comments_of_the_front_matter_do_not_count(tmp_path):
    text = GOOD.replace('title = "A good quiz"', 'title = "[[[[[[[[ \\" ]" # [[[[[[[[[[\ntopics = [\'[[[[[[[[\']', 1)
    quiz = load_quiz(_write(tmp_path, "01-good.md", text.replace('topics = ["activation"]\n', "", 1)))
    assert (quiz.title, quiz.topics) == ('[[[[[[[[ " ]', ("[[[[[[[[",))


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [
        pytest.param(
            "What is $2 + 2$?", "What is $2 + 2$? " + "x" * 5000, 26, "this text has 5018 characters", id="long text"
        ),
        pytest.param(
            "ReLU and tanh", "ReLU " + "[a " * 150 + "and tanh", 23, "this text has 150 square brackets", id="brackets"
        ),
        pytest.param(
            "What is $2 + 2$?", "What is\n" + "- " * 2000 + "x", 27, "this line nests lists or quotes 2000", id="lists"
        ),
        pytest.param("ReLU and tanh", "> " * 40 + "ReLU", 23, "this line nests lists or quotes 40", id="quotes"),
        pytest.param(
            "- [ ] $1$", "- [ ] $1$" + "".join(f"\n- [ ] {n}" for n in range(2, 12)), 20, "has 13 options", id="options"
        ),
    ],
)
def test_text_that_would_overwhelm_the_markdown_renderer_is_a_loader_error(tmp_path, old, new, line, problem):
    error = _error(_write(tmp_path, "01-good.md", GOOD.replace(old, new, 1)))
    assert error.line == line, str(error)
    assert problem in error.problem, str(error)


def test_brackets_and_dashes_in_code_and_math_are_not_markdown(tmp_path):
    code = "```\n" + "x = [" * 200 + "\n" + "- " * 100 + "\n```\n\n`" + "[" * 200 + "`"
    text = GOOD.replace("What is $2 + 2$?", code + "\n\nWhat is $[2] + [2]$?", 1)
    quiz = load_quiz(_write(tmp_path, "01-good.md", text))
    assert quiz.questions[2].body.count("[") == 402


def _load_in_a_child(root: Path, timeout: float) -> str:
    """``load_bank(root)`` in a fresh interpreter; what it loaded and every error, one per line."""
    code = (
        "import sys\n"
        "from grader.quiz.bank import load_bank\n"
        "quizzes, errors = load_bank(sys.argv[1])\n"
        "print('loaded', sorted(quizzes))\n"
        "for error in errors:\n"
        "    print(error.path.name, error.line, error.problem[:120])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-800:])  # a negative code is the signal that killed it
    return done.stdout


def _pair(root: Path, name: str, english: str) -> None:
    _write(root, name, english)
    _write(root, name, (BAD / "ja" / "01-good.md").read_text(encoding="utf-8"), lang="ja")


def test_a_formula_that_crashes_the_converter_is_a_loader_error_and_the_rest_loads(tmp_path):
    """6000 nested braces segfaulted math-core inside load_bank; now the file is left out with its error.

    A text that long is refused for its length before its formulas are looked at; within the length
    of a text, a formula nested more than 50 deep is refused before it reaches the converter.
    """
    _pair(tmp_path, "01-good.md", GOOD)
    _pair(tmp_path, "02-deep.md", GOOD.replace("What is $2 + 2$?", "What is $" + "{" * 6000 + "x" + "}" * 6000 + "$?"))
    _pair(
        tmp_path, "03-deep-short.md", GOOD.replace("What is $2 + 2$?", "What is\n$" + "{" * 51 + "x" + "}" * 51 + "$?")
    )
    out = _load_in_a_child(tmp_path, timeout=120)
    assert "loaded [(1, 'en'), (1, 'ja')]" in out
    assert "02-deep.md 26 this text has 12013 characters" in out
    assert "03-deep-short.md 27 ${{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{...$ nests groups 51 deep" in out


def test_pathological_lines_load_or_fail_at_once(tmp_path):
    """Linear-time parsing: each file took the loader before these rules from 4 s to hours.

    Measured on the old code: the 30,000-blank heading 4 s, the 200,000-blank heading 317 s, the
    200,000-blank answer line longer; a 1 MB line (now refused for its size) hours. The child
    process gets 60 s for all of them together.
    """
    blanks = " " * 200_000
    files = {
        "01-good.md": GOOD,
        "02-heading-30000.md": GOOD.replace("## A number {#a-number}", "## A number" + " " * 30_000 + "{#a-number}"),
        "03-heading.md": GOOD.replace("## A number {#a-number}", f"## A{blanks}number {{#a-number}}"),
        "04-heading-no-id.md": GOOD.replace("## A number {#a-number}", f"## A{blanks}{{#a-number"),
        "05-answer.md": GOOD.replace("= 4\n", f"= 4{blanks}x\n"),
        "06-tolerance.md": GOOD.replace("= 4\n", f"= 4{blanks[:100_000]}±{blanks[:100_000]}y\n"),
        "07-ids.md": GOOD.replace("## A number {#a-number}", "## A number " + "{#" * 100_000 + "}"),
        "08-megabyte-line.md": GOOD.replace("## A number {#a-number}", f"## A{' ' * 1_000_000}b {{#a-number}}"),
        "09-backticks.md": GOOD.replace("What is $2 + 2$?", "".join("`" * n + "a" for n in range(1, 600))),
    }
    for name, text in files.items():
        _pair(tmp_path, name, text)
    out = _load_in_a_child(tmp_path, timeout=60)
    assert "loaded [(1, 'en'), (1, 'ja'), (2, 'en'), (2, 'ja')]" in out, out
    assert "03-heading.md 25 this text has 200007 characters" in out
    assert "04-heading-no-id.md 25 the question 'A" in out
    assert "05-answer.md 28 the answer '4" in out
    assert "06-tolerance.md 28 the tolerance in '4" in out
    assert "07-ids.md 25 the id {#{#{#" in out
    assert "08-megabyte-line.md 1 the file is larger than 256 KiB" in out
    assert "09-backticks.md 26 this text has 180300 characters" in out


@pytest.mark.parametrize(
    ("name", "content", "line", "problem"),
    [
        pytest.param("02-deep-toml.md", 'title = "T"\ntopics = ' + "[" * 2000, 3, "nests lists or tables", id="toml"),
        pytest.param("03-big-int.md", 'title = "T"\nexercises = [' + "9" * 4000 + "]", 3, "4000 digits", id="int"),
        pytest.param(
            "04-huge-int.md", 'title = "T"\nexercises = [' + "9" * 5000 + "]", 2, "5026 characters", id="5000"
        ),
        pytest.param("05-link.md", None, 27, "the link target", id="link"),
        pytest.param("06-control.md", None, 26, "control character", id="control"),
    ],
)
def test_load_bank_leaves_out_each_broken_file_with_its_error(tmp_path, name, content, line, problem):
    _pair(tmp_path, "01-good.md", GOOD)
    if content is not None:
        text = f"+++\n{content}\n+++\n"
    elif "link" in name:
        text = GOOD.replace("What is $2 + 2$?", "What is $2 + 2$?\n[x](javascript:alert(1))")
    else:
        text = GOOD.replace("What is $2 + 2$?", "What is \x1b[2J?")
    _pair(tmp_path, name, text)
    quizzes, errors = load_bank(tmp_path)
    assert sorted(quizzes) == [(1, "en"), (1, "ja")]
    (error,) = errors
    assert (error.path.name, error.path.parent.name, error.line) == (name, "en", line), str(error)
    assert problem in error.problem


def test_a_folder_or_fifo_named_like_a_quiz_is_an_error_not_a_crash(tmp_path):
    _pair(tmp_path, "01-good.md", GOOD)
    (tmp_path / "en" / "02-folder.md").mkdir()
    _write(tmp_path, "02-folder.md", GOOD, lang="ja")
    os.mkfifo(tmp_path / "en" / "03-fifo.md")  # opening it would block forever
    _write(tmp_path, "03-fifo.md", GOOD, lang="ja")
    quizzes, errors = load_bank(tmp_path)
    assert sorted(quizzes) == [(1, "en"), (1, "ja")]
    assert sorted((error.path.name, error.problem) for error in errors) == [
        ("02-folder.md", "this is not a regular file; it was not opened"),
        ("03-fifo.md", "this is not a regular file; it was not opened"),
    ]


# --- syllabus areas and shuffled options ----------------------------------------------------------


def test_an_area_is_one_of_the_syllabus_areas(tmp_path):
    good = _write(
        tmp_path, "01-area.md", GOOD.replace('title = "A good quiz"', 'title = "A good quiz"\narea = "applied-math"')
    )
    assert load_quiz(good).area == "applied-math"
    bad = _write(
        tmp_path, "02-area.md", GOOD.replace('title = "A good quiz"', 'title = "A good quiz"\narea = "applied-maths"')
    )
    error = _error(bad)
    assert error.line == 3
    assert "unknown syllabus area 'applied-maths'" in str(error)
    assert "did you mean applied-math?" in str(error)


@pytest.mark.parametrize(
    ("explanation", "lang"),
    [
        ("The second option counts from 1.", "en"),
        ("Option (b) forgets the shift.", "en"),
        ("2番目の選択肢は 1 始まりで数えています。", "ja"),
        ("最後の選択肢は転置です。", "ja"),
        ("選択肢イは符号が逆です。", "ja"),
        ("The last equation looks at the current state.", "en"),
        ("The former answer forgets the shift.", "en"),
        ("The 2nd choice counts from 1.", "en"),
        ("Answer (c) is the transpose.", "en"),
        ("The option above forgets the shift.", "en"),
        ("最後の式は現在の状態を見ています。", "ja"),
        ("上から2番目の選択肢は転置です。", "ja"),
        ("二つ目の選択肢は 1 始まりです。", "ja"),
        ("上の選択肢は符号が逆です。", "ja"),
        ("選択肢（a）は符号が逆です。", "ja"),
    ],
)
def test_an_explanation_may_not_point_at_an_option_by_its_place(tmp_path, explanation, lang):
    source = GOOD.replace(r"> $\sigma(0) = \frac{1}{1 + 1} = 0.5$.", "> " + explanation)
    assert explanation in source
    error = _error(_write(tmp_path, "01-places.md", source, lang))
    assert "points at an option by its place" in str(error)
    assert "shown shuffled" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "where", "line"),
    [
        ("What is $\\sigma(0)$?", "What is $\\sigma(0)$? Hint: the second option is close.", "the question text", 8),
        ("- [ ] $1$", "- [ ] All of the above", "an option", 12),
        ("- [ ] $1$", "- [ ] 上記のすべて", "an option", 12),
    ],
)
def test_question_text_and_options_may_not_point_at_an_option_by_its_place(tmp_path, old, new, where, line):
    source = GOOD.replace(old, new, 1)
    assert new in source
    error = _error(_write(tmp_path, "01-places.md", source))
    assert f"{where} of {{#pick-one}} points at an option by its place" in str(error)
    assert error.line == line


@pytest.mark.parametrize(
    "explanation",
    [
        "The other options forget the shift.",
        "L2 and dropout both regularise, the former towards underfitting when overdone.",
        "The sum runs over the last axis; the first layer gets the smallest gradient.",
        "Overwriting the gradient with the last one computed is a classic bug.",
        "最後の軸について和をとります。他の選択肢は符号が逆です。",
        "前者は $F$ の逆伝播が返します。左上の角と大きさで表します。",
        "最後の行でもう一度引かれます。上の層がその出力を使います。",
    ],
)
def test_position_words_that_are_not_about_options_pass(tmp_path, explanation):
    source = GOOD.replace(r"> $\sigma(0) = \frac{1}{1 + 1} = 0.5$.", "> " + explanation)
    assert explanation in source
    assert load_quiz(_write(tmp_path, "01-fine.md", source)).questions[0].explanation == explanation


def test_the_bank_has_no_option_position_phrase():
    _, errors = load_bank()
    assert [str(error) for error in errors if "by its place" in str(error)] == []


def test_an_explanation_may_name_an_option_by_what_it_says(tmp_path):
    source = GOOD.replace(
        r"> $\sigma(0) = \frac{1}{1 + 1} = 0.5$.", "> $1$ would be the limit for large x; the last step adds 1."
    )
    assert load_quiz(_write(tmp_path, "01-content.md", source)).questions[0].explanation.startswith("$1$")
