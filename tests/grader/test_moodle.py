r"""Moodle exports checked against the formats' rules.

Moodle XML is parsed with ElementTree and checked for the structure Moodle's
importer reads. GIFT is read back by a small reader that follows Moodle's own
(qformat_gift): escapes ``\: \# \= \{ \} \~ \n`` first, one answer block in
braces, ``=``/``~`` answers with optional ``%weight%``, ``#value:tolerance``
for numbers, ``####`` general feedback. Both must give back every question's
answer key and its TeX, inside ``\( \)`` or ``\[ \]`` for Moodle's MathJax filter.
"""

from __future__ import annotations

import html
import html.parser
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import Option, Question, Quiz, load_bank
from grader.quiz.mathml import find_math
from grader.quiz.moodle import STANDARD_FRACTIONS, fractions, gift_escape, to_gift, to_html, to_moodle_xml

BANK, _ = load_bank()
QUIZZES = [pytest.param(quiz, id=f"{quiz.number:02d}-{quiz.lang}") for _, quiz in sorted(BANK.items())]
ALLOWED = {round(value, 7) for value in STANDARD_FRACTIONS} | {0.0}


def _texts_of(question: Question) -> list[str]:
    return [question.body, question.explanation, *(option.text for option in question.options)]


def _delimited_tex(question: Question) -> list[str]:
    r"""Every formula as Moodle should receive it: ``\(tex\)`` or ``\[tex\]``."""
    found = []
    for text in _texts_of(question):
        for span in find_math(text):
            tex = span.tex.strip()
            found.append(rf"\[{tex}\]" if span.display else rf"\({tex}\)")
    return found


def _is_standard(fraction_percent: float) -> bool:
    return round(abs(fraction_percent) / 100, 7) in ALLOWED


# --- Moodle XML --------------------------------------------------------------------------


@pytest.mark.parametrize("quiz", QUIZZES)
def test_moodle_xml_has_the_structure_moodle_imports(quiz: Quiz):
    document = to_moodle_xml(quiz)
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = ET.fromstring(document.encode("utf-8"))
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category"
    assert category.findtext("category/text").startswith("$course$/top/")
    assert len(questions) == len(quiz.questions)
    for element, question in zip(questions, quiz.questions, strict=True):
        expected_type = "numerical" if question.kind == "numeric" else "multichoice"
        assert element.get("type") == expected_type
        assert element.findtext("name/text") == f"{quiz.number:02d} {question.id}: {question.title}"
        for tag in ("questiontext", "generalfeedback"):
            assert element.find(tag).get("format") == "html"
        assert element.findtext("defaultgrade") == "1"
        assert 0 <= float(element.findtext("penalty")) <= 1
        assert element.findtext("idnumber") == f"{quiz.number:02d}-{quiz.lang}-{question.id}"
        answers = element.findall("answer")
        if question.kind == "numeric":
            (answer,) = answers
            assert float(answer.get("fraction")) == 100
            assert float(answer.findtext("text")) == question.answer
            assert float(answer.findtext("tolerance")) == question.tolerance
            assert "e" not in answer.findtext("text").lower()
            continue
        assert element.findtext("single") == ("true" if question.kind == "single" else "false")
        assert element.findtext("shuffleanswers") == ("true" if quiz.shuffle else "false")
        assert len(answers) == len(question.options)
        percents = [float(answer.get("fraction")) for answer in answers]
        assert all(_is_standard(percent) for percent in percents), percents
        positive = [percent for percent in percents if percent > 0]
        if question.kind == "single":
            assert sorted(percents) == [0.0] * (len(percents) - 1) + [100.0]
        else:
            # Moodle rounds the positive sum to 2 decimals (of the fraction) and wants exactly 1
            assert round(sum(positive) / 100, 2) == 1.0
            assert round(sum(percent for percent in percents if percent < 0) / 100, 2) == -1.0
        for answer, option in zip(answers, question.options, strict=True):
            assert (float(answer.get("fraction")) > 0) is option.correct
            assert answer.get("format") == "html"


@pytest.mark.parametrize("quiz", QUIZZES)
def test_moodle_xml_keeps_the_math_as_tex_for_mathjax(quiz: Quiz):
    root = ET.fromstring(to_moodle_xml(quiz).encode("utf-8"))
    for element, question in zip(root.findall("question")[1:], quiz.questions, strict=True):
        text = "".join(
            html.unescape(node.text or "") for node in element.iter("text")
        )  # the HTML inside, as the browser will show it to MathJax
        for tex in _delimited_tex(question):
            assert tex in text, (question.id, tex)
        assert "$" not in text, question.id  # every $...$ became \( \) or \[ \]


def test_markdown_becomes_html_without_touching_the_math():
    rendered = to_html("Let $x_i * y_i$ and *this* `a_b` be\n\n$$\na < b\n$$")
    assert r"\(x_i * y_i\)" in rendered
    assert "<em>this</em>" in rendered
    assert "<code>a_b</code>" in rendered
    assert r"\[a &lt; b\]" in rendered
    assert to_html("only $x$", inline=True) == r"only \(x\)"


def test_select_all_fractions_match_moodle_grades():
    three_of_five = tuple(Option(str(index), index < 3) for index in range(5))
    question = Question("q", "Q", "", "multiple", three_of_five, None, 0.0, "", 1)
    assert fractions(question) == [0.3333333] * 3 + [-0.5] * 2
    single = Question("q", "Q", "", "single", three_of_five[2:], None, 0.0, "", 1)
    assert fractions(single) == [1.0, 0.0, 0.0]


# --- GIFT -----------------------------------------------------------------------------------

_ESCAPES = {r"\:": "&&058;", r"\#": "&&035;", r"\=": "&&061;", r"\{": "&&123;", r"\}": "&&125;", r"\~": "&&126;",
            r"\n": "&&010"}  # fmt: skip
_UNESCAPES = {"&&058;": ":", "&&035;": "#", "&&061;": "=", "&&123;": "{", "&&125;": "}", "&&126;": "~", "&&010": "\n"}


def _escaped_pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace("&&092;", "\\\\")


def _escaped_post(text: str) -> str:
    for placeholder, character in _UNESCAPES.items():
        text = text.replace(placeholder, character)
    return text


def read_gift(document: str) -> tuple[str | None, list[dict]]:
    """Read a GIFT file the way Moodle does; fail on anything Moodle would reject."""
    category = None
    questions = []
    for block in re.split(r"\n\s*\n", document.strip()):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("//")]
        text = "\n".join(lines).strip()
        if not text:
            continue
        if text.startswith("$CATEGORY:"):
            category = text[len("$CATEGORY:") :].strip()
            continue
        text = _escaped_pre(text)
        name_match = re.match(r"^::(.*?)::", text, re.S)
        assert name_match, f"no ::name:: in {text[:80]!r}"
        name = _escaped_post(name_match.group(1))
        text = text[name_match.end() :]
        assert text.startswith("[html]"), text[:40]
        text = text[len("[html]") :]
        start, finish = text.find("{"), text.find("}")
        assert 0 <= start < finish, f"no answer block in {name}"
        assert (text.count("{"), text.count("}")) == (1, 1), f"unescaped brace in {name}"
        assert text[finish + 1 :].strip() == "", f"text after the answer block of {name}"
        questiontext = _escaped_post(text[:start].strip())
        answertext = text[start + 1 : finish]
        general = ""
        if "####" in answertext:
            answertext, general = answertext.split("####", 1)
        assert "#" not in general, f"unescaped # in the feedback of {name}"
        question = {"name": name, "text": questiontext, "feedback": _escaped_post(general.strip())}
        answertext = answertext.strip()
        if answertext.startswith("#"):
            value = answertext[1:]
            assert not set("#=~") & set(value), value
            number, _, tolerance = value.partition(":")
            question.update(kind="numerical", answer=float(number), tolerance=float(tolerance or 0))
        else:
            # Moodle: single answer exactly when an unescaped = appears
            question["single"] = "=" in answertext
            answers = []
            for match in re.finditer(r"([=~])(%(-?[0-9.]+)%)?([^=~]*)", answertext):
                mark, weight, body = match.group(1), match.group(3), match.group(4)
                if weight is not None:
                    fraction = float(weight)
                else:
                    fraction = 100.0 if mark == "=" else 0.0
                assert "#" not in body, f"unescaped # in an answer of {name} (would be per-answer feedback)"
                answers.append({"fraction": fraction, "text": _escaped_post(body.strip())})
            question.update(kind="multichoice", answers=answers)
        questions.append(question)
    return category, questions


@pytest.mark.parametrize("quiz", QUIZZES)
def test_gift_reads_back_as_the_same_quiz(quiz: Quiz):
    category, questions = read_gift(to_gift(quiz))
    assert category is not None
    assert category.startswith("$course$/top/")
    assert len(questions) == len(quiz.questions)
    for read, question in zip(questions, quiz.questions, strict=True):
        assert read["name"] == f"{quiz.number:02d} {question.id}: {question.title}"
        shown = html.unescape(read["text"] + read["feedback"] + "".join(a["text"] for a in read.get("answers", [])))
        for tex in _delimited_tex(question):
            assert tex in shown, (question.id, tex)
        assert read["feedback"], question.id
        if question.kind == "numeric":
            assert (read["kind"], read["answer"], read["tolerance"]) == (
                "numerical",
                question.answer,
                question.tolerance,
            )
            continue
        assert read["kind"] == "multichoice"
        assert read["single"] is (question.kind == "single")
        percents = [answer["fraction"] for answer in read["answers"]]
        assert [percent > 0 for percent in percents] == [option.correct for option in question.options]
        assert all(_is_standard(percent) for percent in percents)
        if question.kind == "multiple":
            assert round(sum(p for p in percents if p > 0) / 100, 2) == 1.0
        for answer, option in zip(read["answers"], question.options, strict=True):
            assert html.unescape(answer["text"]) == html.unescape(to_html(option.text, inline=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a = b", r"a \= b", id="equals"),
        pytest.param("x: {y} ~z #1", r"x\: \{y\} \~z \#1", id="specials"),
        pytest.param(r"\(a \neq b\)", r"\(a &\#92;neq b\)", id="backslash n is not a newline"),
        pytest.param(r"\{x\}", r"&\#92;\{x&\#92;\}", id="escaped brace in TeX"),
        pytest.param(r"a \\ b", r"a \\ b", id="double backslash"),
        pytest.param("<pre>a\n\nb</pre>", "<pre>a\n&\\#10;b</pre>", id="no blank line inside a question"),
        pytest.param("x\n// not a comment", "x\n&\\#47;/ not a comment", id="no comment line"),
    ],
)
def test_gift_escape(text, expected):
    assert gift_escape(text) == expected
    assert html.unescape(_escaped_post(_escaped_pre(expected))) == html.unescape(text)


def test_gift_keeps_tex_that_gift_would_otherwise_eat():
    question = Question("q", "Q", r"Is $a \neq b$ and $\{x\}$?", "numeric", (), 1.0, 0.0, "ok", 1)
    quiz = Quiz(1, "01-x", "en", Path("01-x.md"), "T", "", (), (), True, (question,))
    _, (read,) = read_gift(to_gift(quiz))
    assert r"\(a \neq b\)" in html.unescape(read["text"])
    assert r"\(\{x\}\)" in html.unescape(read["text"])


# --- through the command --------------------------------------------------------------------


def test_export_to_a_file_and_to_standard_output(tmp_path):
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        runner = CliRunner()
        written = runner.invoke(main, ["quiz", "6", "--lang", "ja", "--export", "moodle-xml", "-o", "q6.xml"])
        printed = runner.invoke(main, ["quiz", "6", "--lang", "ja", "--export", "gift"])
    finally:
        os.chdir(old)
    assert written.exit_code == 0, written.output
    assert ET.parse(tmp_path / "q6.xml").getroot().tag == "quiz"
    assert printed.exit_code == 0
    _, questions = read_gift(printed.output)
    assert len(questions) == len(BANK[(6, "ja")].questions)


# --- what a quiz file may not put into Moodle -------------------------------------------------------

RAW = '<script>alert(1)</script> <img src=x onerror=alert(1)> <svg onload=alert(1)> <a href="javascript:x">a</a>'


def _hostile() -> Quiz:
    quiz = BANK[(1, "en")]
    question = next(question for question in quiz.questions if question.kind == "single")
    options = (Option(f"{RAW} [x](javascript:alert(1))", True), Option("![i](https://e.com/i.png) b", False))
    question = Question(question.id, f"Title {RAW}", RAW, "single", options, None, 0.0, RAW, question.line)
    return Quiz(
        quiz.number,
        quiz.slug,
        quiz.lang,
        quiz.path,
        f"Quiz {RAW}",
        quiz.area,
        quiz.topics,
        quiz.exercises,
        True,
        (question,),
    )


class _Markup(html.parser.HTMLParser):
    """The tags and attributes an HTML fragment really has (text that only looks like a tag is not one)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _no_markup_from_the_quiz(fragment: str) -> None:
    """``fragment`` is HTML Moodle renders: the quiz's raw HTML must be text in it, its links safe."""
    tags = _Markup(fragment).tags
    assert {tag for tag, _ in tags} <= {"p", "a", "span", "code", "pre", "em", "strong"}, tags
    for _, attributes in tags:
        assert not [name for name in attributes if name.startswith("on")], attributes
        assert not (attributes.get("href") or "").lower().startswith("javascript"), attributes
    assert "<script>alert(1)</script>" in html.unescape(fragment)


def test_moodle_xml_escapes_raw_html_and_drops_unsafe_links():
    root = ET.fromstring(to_moodle_xml(_hostile()).encode("utf-8"))
    question = root.findall("question")[1]
    for path in ("questiontext/text", "generalfeedback/text", "answer/text"):
        for element in question.findall(path):
            if "script" in element.text:
                _no_markup_from_the_quiz(element.text)
    answers = [element.text for element in question.findall("answer/text")]
    assert answers[0].endswith("<a>x</a>")  # the link text stays, its target goes
    assert answers[1] == "<span>i</span> b"  # an image becomes its alt text
    # names and categories are text for Moodle, but it shows them in HTML pages
    for name in (question.find("name/text").text, root.find("question/category/text").text):
        assert "<" not in name
        assert "&lt;script&gt;" in name


def test_gift_escapes_raw_html_and_drops_unsafe_links():
    document = to_gift(_hostile())
    shown = "\n".join(line for line in document.splitlines() if not line.startswith("//"))  # comments are never shown
    _no_markup_from_the_quiz(shown.replace("\\", ""))
    assert "<a>x</a>" in shown
