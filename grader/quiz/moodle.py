r"""Quizzes exported for Moodle: Moodle XML and GIFT.

Text is converted from Markdown to HTML; math stays TeX for Moodle's MathJax
filter, ``\( ... \)`` inline and ``\[ ... \]`` display. Moodle shows that HTML
as it is, so it is made as the quiz pages make theirs
(``grader.quiz.bank.markdown_to_html``): raw HTML from a quiz file is escaped, links
keep only safe targets, images are dropped; names and categories, which Moodle
shows as text, are escaped too. Grades follow Moodle's
rules: a single-answer question gives 100 % to its right option; a select-all
question shares 100 % between its right options and takes the same total off
across the wrong ones, each fraction one of Moodle's standard grades.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from grader.quiz.bank import Question, Quiz, markdown_to_html
from grader.quiz.mathml import find_math

PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try
# Moodle's standard grade fractions (question_bank::fraction_options); anything else fails the import
STANDARD_FRACTIONS = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
    0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
)  # fmt: skip
GIFT_SPECIAL = "~=#{}:"
_PLACEHOLDER = "qzmath{index}qz"
_PLACEHOLDER_PATTERN = re.compile(r"qzmath(\d+)qz")


def to_html(text: str, *, inline: bool = False) -> str:
    r"""Quiz Markdown as HTML, with every formula as TeX between ``\( \)`` or ``\[ \]``.

    ``inline`` drops the ``<p>`` around a one-paragraph text (for option texts).
    """
    spans = find_math(text)
    pieces = []
    cursor = 0
    for index, span in enumerate(spans):
        pieces.append(text[cursor : span.start])
        pieces.append(_PLACEHOLDER.format(index=index))
        cursor = span.end
    pieces.append(text[cursor:])
    # math is taken out first so Markdown can not read x_i * y_i as emphasis
    rendered = markdown_to_html("".join(pieces), extensions=("fenced_code",), output_format="xhtml").strip()

    def math(match: re.Match[str]) -> str:
        span = spans[int(match.group(1))]
        tex = html.escape(span.tex.strip(), quote=False)
        return rf"\[{tex}\]" if span.display else rf"\({tex}\)"

    rendered = _PLACEHOLDER_PATTERN.sub(math, rendered)
    if inline and rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def format_number(value: float) -> str:
    """A number as Moodle reads it: plain decimal, no exponent (``0.000977``, ``78400``)."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def fractions(question: Question) -> list[float]:
    """The grade fraction (-1 to 1) of each option of a choice question, in source order.

    Single answer: 1 for the right option, 0 for the others. Select all: the
    right options share 1 and the wrong ones share -1, so choosing every
    option scores 0. Each value is a Moodle standard grade.
    """
    right = sum(option.correct for option in question.options)
    wrong = len(question.options) - right
    if question.kind == "single":
        return [1.0 if option.correct else 0.0 for option in question.options]
    return [_standard(1 / right) if option.correct else -_standard(1 / wrong) for option in question.options]


def _standard(fraction: float) -> float:
    for standard in STANDARD_FRACTIONS:
        if abs(standard - fraction) < 5e-7:
            return standard
    raise ValueError(f"{fraction:.7f} is not one of Moodle's standard grades; use at most 10 right options")


def _percent(fraction: float) -> str:
    return format(Decimal(f"{fraction * 100:.5f}").normalize(), "f")


def _category(quiz: Quiz) -> str:
    # a slash would start a sub-category
    title = html.escape(quiz.title.replace("/", "-"), quote=False)
    return f"$course$/top/{quiz.number:02d} {title} [{quiz.lang}]"


def _question_name(quiz: Quiz, question: Question) -> str:
    return f"{quiz.number:02d} {question.id}: {html.escape(question.title, quote=False)}"


# --- Moodle XML -------------------------------------------------------------------


def _text_element(parent: ET.Element, tag: str, text: str, text_format: str | None = "html") -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text_format is not None:
        element.set("format", text_format)
    ET.SubElement(element, "text").text = text
    return element


def _xml_question(quiz: Quiz, question: Question) -> ET.Element:
    kind = "numerical" if question.kind == "numeric" else "multichoice"
    element = ET.Element("question", type=kind)
    _text_element(element, "name", _question_name(quiz, question), None)
    _text_element(element, "questiontext", to_html(question.body))
    _text_element(element, "generalfeedback", to_html(question.explanation))
    ET.SubElement(element, "defaultgrade").text = "1"
    ET.SubElement(element, "penalty").text = PENALTY
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = f"{quiz.number:02d}-{quiz.lang}-{question.id}"
    if question.kind == "numeric":
        answer = ET.SubElement(element, "answer", fraction="100", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = format_number(question.answer or 0.0)
        ET.SubElement(answer, "tolerance").text = format_number(question.tolerance)
        _text_element(answer, "feedback", "")
        ET.SubElement(element, "unitgradingtype").text = "0"
        ET.SubElement(element, "unitpenalty").text = "0.1000000"
        ET.SubElement(element, "showunits").text = "3"  # no unit field
        ET.SubElement(element, "unitsleft").text = "0"
        return element
    ET.SubElement(element, "single").text = "true" if question.kind == "single" else "false"
    ET.SubElement(element, "shuffleanswers").text = "true" if quiz.shuffle else "false"
    ET.SubElement(element, "answernumbering").text = "abc"
    ET.SubElement(element, "showstandardinstruction").text = "1"
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text_element(element, tag, "")
    for option, fraction in zip(question.options, fractions(question), strict=True):
        answer = ET.SubElement(element, "answer", fraction=_percent(fraction), format="html")
        ET.SubElement(answer, "text").text = to_html(option.text, inline=True)
        _text_element(answer, "feedback", "")
    return element


def to_moodle_xml(quiz: Quiz) -> str:
    """The quiz as a Moodle XML question file: one category, then one question per quiz question."""
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", type="category")
    _text_element(category, "category", _category(quiz), None)
    _text_element(category, "info", to_html(f"{quiz.title} ({quiz.slug}, {quiz.lang})"))
    for question in quiz.questions:
        root.append(_xml_question(quiz, question))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- GIFT ---------------------------------------------------------------------------


def gift_escape(text: str) -> str:
    r"""Escape text for GIFT: ``~ = # { } :`` get a backslash.

    Moodle's GIFT reader also turns ``\n`` into a line break and ``\{`` into a
    brace, which would break TeX such as ``\neq`` or ``\{``; such a backslash is
    written as the HTML entity ``&#92;``, which the page shows as a backslash.
    ``\\`` passes through unchanged.
    """
    out = []
    index = 0
    while index < len(text):
        character = text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if character == "\\" and following == "\\":
            out.append("\\\\")
            index += 2
            continue
        if character == "\\" and following and following in "n" + GIFT_SPECIAL:
            out.append("&\\#92;")
        elif character in GIFT_SPECIAL:
            out.append("\\" + character)
        else:
            out.append(character)
        index += 1
    escaped = "".join(out)
    # a blank line ends a GIFT question, and a line starting with // is a comment
    escaped = re.sub(r"\n\n", lambda _: "\n&\\#10;", escaped)
    return re.sub(r"(?m)^//", lambda _: "&\\#47;/", escaped)


def _gift_question(quiz: Quiz, question: Question) -> str:
    head = f"::{gift_escape(_question_name(quiz, question))}::[html]{gift_escape(to_html(question.body))}"
    feedback = f"####{gift_escape(to_html(question.explanation))}"
    comment = f"// {question.id} ({quiz.slug}, line {question.line})"
    if question.kind == "numeric":
        tolerance = f":{format_number(question.tolerance)}" if question.tolerance else ""
        return f"{comment}\n{head} {{#{format_number(question.answer or 0.0)}{tolerance}\n{feedback}\n}}"
    lines = []
    for option, fraction in zip(question.options, fractions(question), strict=True):
        text = gift_escape(to_html(option.text, inline=True))
        if question.kind == "single":
            lines.append(("=" if option.correct else "~") + text)
        else:
            lines.append(f"~%{_percent(fraction)}%{text}")
    return comment + "\n" + head + " {\n" + "\n".join(lines) + "\n" + feedback + "\n}"


def to_gift(quiz: Quiz) -> str:
    """The quiz as a GIFT file: a category line, then the questions separated by blank lines."""
    parts = [f"// {quiz.title} ({quiz.slug}, {quiz.lang}); math is TeX for Moodle's MathJax filter"]
    parts.append(f"$CATEGORY: {_category(quiz)}")
    parts.extend(_gift_question(quiz, question) for question in quiz.questions)
    return "\n\n".join(parts) + "\n"
