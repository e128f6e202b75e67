"""Confirmation-test quizzes: the model and the loader of ``quizzes/LANG/NN-topic.md``.

The source format is described in QUIZZES.md. ``load_quiz`` reads one file and
raises ``QuizError`` (file, line, what is wrong, what to do) on the first
problem; ``load_bank`` reads every quiz of both languages, leaves out each quiz
that has an error or whose two languages disagree, and returns the errors next
to the quizzes that loaded.

Beyond QUIZZES.md, a question with options may not point at an option by its
place, in its text, its options or its explanation: options are shown shuffled
and lettered anew, so "the second option", "the last equation", "option (b)",
"answer (c)", "all of the above", 「最後の選択肢」, 「二つ目の選択肢」, 「最後の式」,
「選択肢イ」 or 「上記のすべて」 would point at the wrong one. Name the option by
what it says instead. Words of place that are not about options pass ("the last
axis", "the other options", a bare "the former", 「最後の軸」, 「前者」);
``_POSITION_WORDS`` lists exactly what is refused.
"""

from __future__ import annotations

import difflib
import functools
import html
import math
import numbers
import os
import re
import threading
import tomllib
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import markdown
import numpy as np
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from grader.course import quizzes_root
from grader.errors import MathError, QuizError, display_path
from grader.quiz.mathml import code_ranges, find_math, to_mathml
from grader.text import LANGUAGES, Text

KINDS = ("single", "multiple", "numeric")
FILE_NAME = re.compile(r"^(?P<number>\d{2})-(?P<topic>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
QUESTION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The E資格 syllabus's areas; every quiz names one (``area = "..."``), and ``grade list`` and
# the site's index show how the bank covers them.
AREAS: dict[str, Text] = {
    "applied-math": Text("Applied mathematics", "応用数学"),
    "machine-learning": Text("Machine learning", "機械学習"),
    "deep-learning-basics": Text("Deep learning foundations", "深層学習の基礎"),
    "deep-learning-applications": Text("Deep learning applications", "深層学習の応用"),
    "deployment": Text("Development and deployment", "開発・運用環境"),
}
FRONT_MATTER_KEYS = {
    "title": "a string",
    "area": "one of " + ", ".join(AREAS),
    "topics": "a list of strings",
    "exercises": "a list of numbers",
    "shuffle": "true or false",
}

# Every pattern is linear in the length of a line: no lazy or repeated part is followed by
# something it could also match (blanks are stripped in code), so a long line can not backtrack.
_HEADING = re.compile(r"^##(?!#)(?P<text>.*)$")
_OPTION = re.compile(r"^[-*+][ \t]+\[(?P<mark>[^\]]{0,3})\](?=[ \t]|$)[ \t]*(?P<text>.*)$")
_LIST_ITEM = re.compile(r"^[-*+][ \t]")
_ANSWER = re.compile(r"^=(?!=)(?P<value>.*)$")
_QUOTE = re.compile(r"^>[ \t]?(?P<text>.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_TOLERANCE = re.compile(r"±|\+/-|\+-")
_BRACKET = re.compile(r"\[")
_LINE_START = re.compile(r"(?m)^(?P<indent>[ \t]*)")
_CONTAINER = re.compile(r"(?:[-*+]|\d{1,9}[.)]|>)(?=[ \t]|$)[ \t]*")  # a list item or quote marker
_TOML_POSITION = re.compile(r"\(at line (?P<line>\d+), column \d+\)|\(at end of document\)")
DEFAULT_RELATIVE_TOLERANCE = 1e-9
MAX_ID_LENGTH = 80
# Limits on what a quiz file may hold: the bank's largest file has 11 KB, its front matter 120
# characters nested one level deep, its longest number 3 digits.
MAX_QUIZ_BYTES = 256 * 1024
MAX_FRONT_MATTER_CHARS = 4096
MAX_FRONT_MATTER_DEPTH = 4
MAX_FRONT_MATTER_DIGITS = 30
MAX_TEXT_CHARS = 5000  # of a title, question text, option or explanation; the bank's longest has 362
MAX_BRACKETS = 100  # "[" outside code and math in one such text; the bank has at most 6
MAX_NESTING = 16  # lists and quotes in one such text (Python-Markdown recurses per level); the bank nests 1
MAX_OPTIONS = 10  # lettered a-j; Moodle's grades allow at most 10 right and 10 wrong ones
# Characters a terminal acts on (escape sequences), that XML 1.0 forbids, or that reorder the
# text shown (bidirectional overrides); tab, newline and carriage return are ordinary.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Option:
    """One choice of a single- or multiple-answer question (Markdown with $...$ math)."""

    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """One question of a quiz.

    ``kind`` is ``single`` (one ``[x]``), ``multiple`` (several ``[x]``, all of
    which must be chosen) or ``numeric`` (``= VALUE ± TOLERANCE``, no options).
    ``tolerance`` 0 means exact up to a relative 1e-9. ``line`` is the 1-based
    line of the question's heading.
    """

    id: str
    title: str
    body: str
    kind: str
    options: tuple[Option, ...]
    answer: float | None
    tolerance: float
    explanation: str
    line: int

    @functools.cached_property  # every answer of a class is scored against it
    def correct_indices(self) -> frozenset[int]:
        """Indices (in source order) of the options marked ``[x]``."""
        return frozenset(index for index, option in enumerate(self.options) if option.correct)


@dataclass(frozen=True)
class Quiz:
    """One quiz in one language, as loaded from ``quizzes/<lang>/<slug>.md``."""

    number: int
    slug: str
    lang: str
    path: Path
    title: str
    area: str  # a key of AREAS, "" when the front matter names none
    topics: tuple[str, ...]
    exercises: tuple[int, ...]
    shuffle: bool
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        """The question with id ``question_id`` (KeyError when there is none)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)


def quiz_root() -> Path:
    """The course's ``quizzes/`` folder (``GRADE_QUIZ_ROOT`` overrides it, e.g. for a course's own bank).

    In a checkout that is the project's ``quizzes/``; in an installed wheel, the
    copy inside the package (see ``grader.course``).
    """
    override = os.environ.get("GRADE_QUIZ_ROOT")
    if override:
        return Path(override)
    return quizzes_root()


# --- Markdown: what a quiz may show ------------------------------------------------
#
# A quiz file is untrusted input: an instructor may receive one. Raw HTML in it is shown as
# typed (escaped), not passed through: an allow-list of tags and attributes would be a sanitiser
# to keep right against every browser quirk, while the quizzes need no HTML that Markdown and
# math can not write. Links keep only safe targets and images are not shown (a quiz page loads
# nothing); the loader refuses both, and the renderers drop them whatever they are given.

LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_URL_IGNORED = re.compile(r"[\t\n\r]")  # a browser drops these anywhere in a URL
_URL_PATH = re.compile(r"[/?#]")


def safe_link(url: str) -> bool:
    """Whether ``url`` may be a link target: ``http:``, ``https:``, ``mailto:`` or relative.

    Read as a browser reads the attribute: character references decoded, tabs
    and newlines dropped, leading spaces and control characters ignored. A
    colon before the first ``/``, ``?`` or ``#`` that is not one of those
    schemes makes the link unsafe (``javascript:``, ``data:``, ``JaVa&#115;cript:``).
    """
    url = _URL_IGNORED.sub("", html.unescape(url.replace(AMP_SUBSTITUTE, "&")))
    url = url.lstrip("".join(chr(code) for code in range(0x21)))
    head = _URL_PATH.split(url, maxsplit=1)[0]
    if ":" not in head:
        return True
    scheme = head.split(":", 1)[0]
    return bool(_SCHEME.match(scheme)) and scheme.lower() in LINK_SCHEMES


class _LinkGuard(Treeprocessor):
    """Drop unsafe link targets and turn images into their alt text; note each in ``found``."""

    def __init__(self, md: markdown.Markdown, found: list[tuple[str, str]]) -> None:
        super().__init__(md)
        self.found = found

    def run(self, root) -> None:  # noqa: D102 - Treeprocessor's hook
        for element in list(root.iter()):
            if element.tag == "a" and not safe_link(element.get("href", "")):
                self.found.append(("link", element.get("href", "")))
                element.attrib.pop("href", None)
            elif element.tag == "img":
                self.found.append(("image", element.get("src", "")))
                alt = element.get("alt", "")
                element.tag = "span"
                element.attrib.clear()
                element.text = alt


# one parser per thread and set of options, reset before each text: building a Markdown object costs
# more than converting a quiz question with it (half of rendering the site, measured)
_PARSERS = threading.local()


def _parser(extensions: Sequence[str], output_format: str) -> tuple[markdown.Markdown, _LinkGuard]:
    cache: dict[tuple[tuple[str, ...], str], tuple[markdown.Markdown, _LinkGuard]] = _PARSERS.__dict__.setdefault(
        "cache", {}
    )
    key = (tuple(extensions), output_format)
    if key not in cache:
        md = markdown.Markdown(extensions=list(extensions), output_format=output_format)
        md.preprocessors.deregister("html_block")  # raw HTML blocks: escaped like any text
        md.inlinePatterns.deregister("html")  # inline tags and comments: the same
        guard = _LinkGuard(md, [])
        md.treeprocessors.register(guard, "link_guard", -100)  # after every other
        cache[key] = (md, guard)
    return cache[key]


def _convert_markdown(text: str, extensions: Sequence[str], output_format: str) -> tuple[str, list[tuple[str, str]]]:
    md, guard = _parser(extensions, output_format)
    found: list[tuple[str, str]] = []
    guard.found = found
    try:
        return md.reset().convert(text), found
    finally:
        md.reset()  # nothing of this text stays in the parser (footnotes, references, stashed HTML)


def markdown_to_html(text: str, *, extensions: Sequence[str] = ("fenced_code",), output_format: str = "html") -> str:
    """Quiz Markdown as HTML: raw HTML escaped, only safe link targets, no images.

    Parameters
    ----------
    text : str
        Markdown from a quiz file (math already taken out by the caller).
    extensions : sequence of str
        Python-Markdown extensions (``fenced_code``, ``tables``, ``sane_lists``).
    output_format : str
        ``html`` or ``xhtml``.
    """
    return _convert_markdown(text, extensions, output_format)[0]


# --- one file -----------------------------------------------------------------


def _slug_suggestion(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:5]) or "short-english-id"


def _toml_shape(source: str) -> tuple[int, int, int, int]:
    """How deep the TOML ``source`` nests its arrays and tables, and its longest run of digits.

    One pass that skips strings and comments, so that nothing nested too deep
    (``tomllib`` recurses once per level) or too long to convert to an int
    (Python refuses more than 4300 digits) reaches ``tomllib``.

    Returns
    -------
    tuple of int
        The depth, the 1-based line where it is reached, the most digits in a
        row, and the line of that run.
    """
    depth = deepest = deepest_line = digits = longest = longest_line = 0
    line = 1
    quote = ""  # the delimiter of the string being read: a quote, or three of them
    index = 0
    while index < len(source):
        character = source[index]
        if character == "\n":
            line += 1
        if quote:
            if character == "\\" and not quote.startswith("'"):
                line += source.startswith("\n", index + 1)
                index += 2
                continue
            if source.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
            if character == "\n" and len(quote) == 1:
                quote = ""  # a one-line string never spans lines: tomllib will say what is wrong
        elif character in "\"'":
            quote = character * 3 if source.startswith(character * 3, index) else character
            index += len(quote)
            continue
        elif character == "#":
            end = source.find("\n", index)
            index = len(source) if end < 0 else end
            continue
        elif character in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, line
        elif character in "]}":
            depth = max(depth - 1, 0)
        if not quote and character.isdigit():
            digits += 1
            if digits > longest:
                longest, longest_line = digits, line
        elif character != "_":
            digits = 0
        index += 1
    return deepest, deepest_line, longest, longest_line


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, object], int]:
    """The TOML between the ``+++`` lines and the index of the first line after it."""
    closing = _front_matter_end(path, lines)
    data = _parse_toml(path, "\n".join(lines[1:closing]), closing)

    def key_line(key: str) -> int:
        pattern = re.compile(rf'^\s*(?:\[\s*)?["\']?{re.escape(key)}["\']?\s*[=\]]')
        return next((index + 2 for index, line in enumerate(lines[1:closing]) if pattern.match(line)), 1)

    _check_front_matter(path, data, key_line)
    return data, closing + 1


def _front_matter_end(path: Path, lines: list[str]) -> int:
    """The index of the closing ``+++`` line, after checking the block's size and shape."""
    if not lines or lines[0].strip() != "+++":
        raise QuizError(
            path,
            1,
            "the file does not start with front matter",
            'begin it with a line +++, then title = "...", then another line +++',
        )
    closing = next((index for index in range(1, len(lines)) if lines[index].strip() == "+++"), None)
    if closing is None:
        raise QuizError(path, 1, "the front matter is never closed", "add a line +++ after the TOML")
    source = "\n".join(lines[1:closing])
    if len(source) > MAX_FRONT_MATTER_CHARS:
        raise QuizError(
            path,
            2,
            f"the front matter has {len(source)} characters",
            f"keep it to title, topics, exercises and shuffle (at most {MAX_FRONT_MATTER_CHARS} characters)",
        )
    depth, depth_line, digits, digits_line = _toml_shape(source)
    if depth > MAX_FRONT_MATTER_DEPTH:
        raise QuizError(
            path,
            depth_line + 1,
            f"the front matter nests lists or tables {depth} deep",
            'its keys are flat: title = "...", topics = ["..."], exercises = [3], shuffle = false',
        )
    if digits > MAX_FRONT_MATTER_DIGITS:
        raise QuizError(
            path,
            digits_line + 1,
            f"the front matter holds a number with {digits} digits",
            "exercise numbers are small integers: exercises = [3, 7]",
        )
    return closing


def _parse_toml(path: Path, source: str, closing: int) -> dict[str, object]:
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as problem:
        message = str(problem)
        found = _TOML_POSITION.search(message)
        line = closing + 1
        if found and found.group("line"):
            line = int(found.group("line")) + 1
        reason = _TOML_POSITION.sub("", message).strip()
        raise QuizError(
            path,
            line,
            f"the front matter is not valid TOML ({reason})",
            'write key = value, with strings in double quotes and lists in [ ]: title = "Optimizers"',
        ) from None


def _check_front_matter(path: Path, data: dict[str, object], key_line: Callable[[str], int]) -> None:
    """Every key known, every value of its kind, no line break or control character in the texts."""
    for key in data:
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(key, list(FRONT_MATTER_KEYS), n=1)
            advice = f"did you mean {close[0]}? " if close else ""
            raise QuizError(
                path,
                key_line(key),
                f"unknown front-matter key {key!r}",
                f"{advice}the keys are {', '.join(FRONT_MATTER_KEYS)}",
            )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        line = key_line("title") if "title" in data else 1
        raise QuizError(
            path, line, "the front matter has no title", 'add title = "The quiz title" between the +++ lines'
        )
    for key, kind in (("topics", str), ("exercises", int)):
        value = data.get(key, [])
        if not isinstance(value, list) or any(isinstance(item, bool) or not isinstance(item, kind) for item in value):
            raise QuizError(
                path,
                key_line(key),
                f"{key} must be {FRONT_MATTER_KEYS[key]}",
                'write for example topics = ["optimizer"] or exercises = [3, 7]',
            )
    area = data.get("area", "")
    if area != "" and area not in AREAS:
        close = difflib.get_close_matches(str(area), list(AREAS), n=1) if isinstance(area, str) else []
        raise QuizError(
            path,
            key_line("area"),
            f"unknown syllabus area {area!r}",
            (f"did you mean {close[0]}? " if close else "") + f"the areas are {', '.join(AREAS)}",
        )
    if not isinstance(data.get("shuffle", True), bool):
        raise QuizError(
            path,
            key_line("shuffle"),
            "shuffle must be true or false",
            "write shuffle = false (lower case, no quotes) to keep the options in source order",
        )
    # TOML escapes (\n, \u001b) can put into a string what the file itself may not hold
    topics = data.get("topics", [])
    for key, texts in (("title", [title]), ("topics", topics if isinstance(topics, list) else [])):
        for text in texts:
            if "\n" in text or "\r" in text or _CONTROL.search(text):
                raise QuizError(
                    path,
                    key_line(key),
                    f"{key} holds a line break or a control character",
                    "write it on one line, with printable characters only",
                )
    _check_text(path, key_line("title"), title)


def _number(text: str) -> float | None:
    text = text.strip().replace("\u2212", "-")
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _parse_answer(path: Path, line: int, value: str) -> tuple[float, float]:
    fix = "write a plain number, optionally with a tolerance: = 0.25 or = 0.881 ± 0.001 (no units, no commas)"
    marker = _TOLERANCE.search(value)
    parts = [value] if marker is None else [value[: marker.start()], value[marker.end() :]]
    answer = _number(parts[0])
    if answer is None:
        raise QuizError(path, line, f"the answer {_quoted(value)} is not a number", fix)
    tolerance = 0.0
    if len(parts) == 2:
        parsed = _number(parts[1])
        if parsed is None or parsed < 0:
            raise QuizError(path, line, f"the tolerance in {_quoted(value)} is not a non-negative number", fix)
        tolerance = parsed
    return answer, tolerance


def _check_text(path: Path, first_line: int, text: str) -> None:
    """A title, body, option or explanation (starting on ``first_line``) the renderers can take.

    Not too long; every formula converts to MathML; Python-Markdown, which
    takes time quadratic in the square brackets of a text and recurses once
    per level of lists and quotes, gets few of the first and shallow nesting;
    links are safe and there is no image.
    """

    def line_of(offset: int) -> int:
        return first_line + text.count("\n", 0, offset)

    if len(text) > MAX_TEXT_CHARS:
        raise QuizError(
            path,
            first_line,
            f"this text has {len(text)} characters",
            f"a question's text, each option and each explanation may have at most {MAX_TEXT_CHARS}; "
            "split the question",
        )
    try:
        spans = find_math(text)
    except MathError as problem:
        raise QuizError(path, line_of(problem.position), problem.problem, problem.fix) from None
    for span in spans:
        try:
            to_mathml(span.tex, display=span.display)
        except MathError as problem:
            offset = span.start + (2 if span.display else 1) + problem.position
            raise QuizError(path, line_of(offset), problem.problem, problem.fix) from None
    # code and math are not Markdown: their brackets and leading dashes do not count
    markdown_pieces, cursor = [], 0
    for start, end in [*sorted([*code_ranges(text), *((span.start, span.end) for span in spans)]), (len(text),) * 2]:
        if start > cursor:
            markdown_pieces.append((cursor, start))
        cursor = max(cursor, end)
    brackets = [found.start() for start, end in markdown_pieces for found in _BRACKET.finditer(text, start, end)]
    if len(brackets) > MAX_BRACKETS:
        raise QuizError(
            path,
            line_of(brackets[MAX_BRACKETS]),
            f"this text has {len(brackets)} square brackets [ outside code and math",
            f"at most {MAX_BRACKETS}: put code in `backticks` and math between dollars",
        )
    for start, end in markdown_pieces:
        for line in _LINE_START.finditer(text, start, end):
            depth = len(line.group("indent").expandtabs(4)) // 4
            cursor = line.end()
            while found := _CONTAINER.match(text, cursor, end):
                depth, cursor = depth + 1, found.end()
            if depth > MAX_NESTING:
                raise QuizError(
                    path,
                    line_of(line.start()),
                    f"this line nests lists or quotes {depth} levels deep",
                    f"at most {MAX_NESTING} levels (an indent of 4 spaces, -, 1. or > is one level)",
                )
    if "]" in text or "<" in text:  # no link, image or autolink can be written without one of them
        pieces, cursor = [], 0
        for index, span in enumerate(spans):
            pieces += [text[cursor : span.start], f"qzmath{index}qz"]
            cursor = span.end
        pieces.append(text[cursor:])
        _check_links(path, first_line, text, "".join(pieces))


def _check_links(path: Path, first_line: int, text: str, source: str) -> None:
    """No link with an unsafe target and no image in ``text`` (``source``: the same with formulas taken out)."""
    _, found = _convert_markdown(source, ("fenced_code", "tables", "sane_lists"), "html")
    for kind, target in found:
        offset = text.find(target) if target else -1
        line = first_line + (text.count("\n", 0, offset) if offset >= 0 else 0)
        if kind == "image":
            raise QuizError(
                path,
                line,
                f"the image {_quoted(target)} can not be shown: a quiz page loads nothing from outside itself",
                "describe it in words or math, or link to it: [the figure](https://...)",
            )
        raise QuizError(
            path,
            line,
            f"the link target {_quoted(target)} is not allowed",
            f"link with {', '.join(scheme + ':' for scheme in LINK_SCHEMES)} or a relative path",
        )


@dataclass
class _Draft:
    """A question while its lines are read."""

    id: str
    title: str
    line: int
    body: list[str]
    options: list[tuple[int, str, list[str]]]  # (line, mark, text lines)
    answer_line: int = 0
    answer: str | None = None
    explanation: list[str] | None = None
    explanation_line: int = 0


def _heading_id(text: str) -> tuple[int, str] | None:
    """Where the ``{#id}`` that ends a heading starts, and the id; None when it has none.

    The id is what lies between the last ``{#`` with no ``}`` after it and the
    final ``}``: found with two searches, never by backtracking.
    """
    if not text.endswith("}"):
        return None
    end = len(text) - 1
    start = text.find("{#", text.rfind("}", 0, end) + 1, end)
    return None if start < 0 else (start, text[start + 2 : end])


def _quoted(text: str, width: int = 60) -> str:
    """``repr`` of a piece of the file for a message, cut to ``width`` characters."""
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _heading(path: Path, number: int, text: str, seen: dict[str, int]) -> tuple[str, str]:
    text = text.strip(" \t")
    found = _heading_id(text)
    title = text[: found[0]].strip() if found else text.strip()
    if not title:
        raise QuizError(path, number, "the question heading has no title", "write ## A short title {#question-id}")
    if found is None:
        short = title if len(title) <= 60 else title[:57] + "..."
        raise QuizError(
            path,
            number,
            f"the question {_quoted(title)} has no id",
            f"end the heading with an id, e.g. ## {short} {{#{_slug_suggestion(title)}}}",
        )
    question_id = found[1].strip()
    if not QUESTION_ID.match(question_id) or len(question_id) > MAX_ID_LENGTH:
        raise QuizError(
            path,
            number,
            f"the id {{#{question_id if len(question_id) <= 60 else question_id[:57] + '...'}}} "
            f"is not a valid question id (at most {MAX_ID_LENGTH} characters)",
            f"use lower-case letters, digits and hyphens, e.g. {{#{_slug_suggestion(question_id or title)}}}",
        )
    if question_id in seen:
        raise QuizError(
            path,
            number,
            f"the id {{#{question_id}}} is used twice (first on line {seen[question_id]})",
            "give every question its own id; ids are what progress and translations key on",
        )
    seen[question_id] = number
    return question_id, title


class _QuestionReader:
    """Sorts the lines after a heading into body, options or answer, and explanation.

    One method per part of a question; each takes a line and returns the part
    the next line belongs to.  A line that fits no part is a ``QuizError``.
    """

    def __init__(self, path: Path, draft: _Draft) -> None:
        self.path = path
        self.draft = draft
        self.fenced = False
        self.previous = ""

    def read(self, lines: list[tuple[int, str]]) -> None:
        parts = {"body": self.body, "options": self.options, "answer": self.answer, "explanation": self.explanation}
        part = "body"
        for number, line in lines:
            part = parts[part](number, line)

    def body(self, number: int, line: str) -> str:
        if _FENCE.match(line):
            self.fenced = not self.fenced
        if self.fenced or _FENCE.match(line) or not (_OPTION.match(line) or _ANSWER.match(line) or _QUOTE.match(line)):
            self.draft.body.append(line)
            self.previous = line
            return "body"
        if _OPTION.match(line):
            if _LIST_ITEM.match(self.previous):
                raise QuizError(
                    self.path,
                    number - 1,
                    "this list item right above the options has no checkbox",
                    "write it as - [ ] text (wrong) or - [x] text (right), or leave a blank line",
                )
            return self.options(number, line)
        if _ANSWER.match(line):
            return self.answer(number, line)
        return self.explanation(number, line)

    def options(self, number: int, line: str) -> str:
        option = _OPTION.match(line)
        if option:
            self.draft.options.append((number, option.group("mark"), [option.group("text")]))
        elif not line.strip():
            pass
        elif line[:1] in (" ", "\t") and self.draft.options and not _LIST_ITEM.match(line.strip()):
            self.draft.options[-1][2].append(line.strip())
        elif _LIST_ITEM.match(line):
            self._error(
                number,
                "this option has no checkbox",
                "write - [ ] text for a wrong option and - [x] text for a right one",
            )
        elif _ANSWER.match(line):
            self._error(
                number,
                f"question {{#{self.draft.id}}} has both options and an '= VALUE' line",
                "keep the options for a choice question, or the '= VALUE' line for a numeric one",
            )
        elif _QUOTE.match(line):
            return self.explanation(number, line)
        else:
            self._error(
                number,
                "text between the options and the explanation",
                "put the question text above the options, and start each explanation line with >",
            )
        return "options"

    def answer(self, number: int, line: str) -> str:
        draft = self.draft
        answer = _ANSWER.match(line)
        if answer and draft.answer is None:
            draft.answer, draft.answer_line = answer.group("value").strip(" \t"), number
        elif answer:
            self._error(
                number,
                f"question {{#{draft.id}}} has a second '= VALUE' line",
                f"keep one answer line (the first is on line {draft.answer_line})",
            )
        elif _OPTION.match(line):
            self._error(
                number,
                f"question {{#{draft.id}}} has both an '= VALUE' line and options",
                "keep the options for a choice question, or the '= VALUE' line for a numeric one",
            )
        elif _QUOTE.match(line):
            return self.explanation(number, line)
        elif line.strip():
            self._error(
                number,
                "text after the '= VALUE' line",
                "put the question text above it, and start each explanation line with >",
            )
        return "answer"

    def explanation(self, number: int, line: str) -> str:
        draft = self.draft
        quote = _QUOTE.match(line)
        if quote:
            if draft.explanation is None:
                draft.explanation, draft.explanation_line = [], number
            draft.explanation.append(quote.group("text"))
        elif not line.strip():
            if draft.explanation is not None:
                draft.explanation.append("")
        elif _OPTION.match(line) or _ANSWER.match(line):
            self._error(
                number,
                f"question {{#{draft.id}}} has an option or answer after its explanation",
                "the options or '= VALUE' line come first, the explanation (> lines) last",
            )
        else:
            self._error(
                number,
                "text after the explanation",
                "start every explanation line with >, or start a new question with ## Title {#id}",
            )
        return "explanation"

    def _error(self, number: int, problem: str, fix: str) -> None:
        raise QuizError(self.path, number, problem, fix)


def _read_question(path: Path, draft: _Draft, lines: list[tuple[int, str]]) -> None:
    """Sort the lines after a heading into body, options or answer, and explanation."""
    _QuestionReader(path, draft).read(lines)


def _finish(path: Path, draft: _Draft) -> Question:
    """Check a drafted question and build it."""
    _check_text(path, draft.line, draft.title)
    _check_text(path, draft.line + 1, "\n".join(draft.body))
    body = "\n".join(draft.body).strip()
    options: list[Option] = []
    if draft.options:
        if len(draft.options) > MAX_OPTIONS:
            raise QuizError(
                path,
                draft.options[MAX_OPTIONS][0],
                f"question {{#{draft.id}}} has {len(draft.options)} options",
                f"give it at most {MAX_OPTIONS} (a to {chr(ord('a') + MAX_OPTIONS - 1)})",
            )
        if len(draft.options) < 2:
            raise QuizError(
                path,
                draft.options[0][0],
                f"question {{#{draft.id}}} has only one option",
                "give at least two options, or make it numeric with a line = VALUE",
            )
        seen: dict[str, int] = {}
        for line, mark, text_lines in draft.options:
            if mark not in (" ", "x", "X"):
                raise QuizError(
                    path,
                    line,
                    f"the checkbox [{mark}] is neither [ ] nor [x]",
                    "write - [ ] text for a wrong option and - [x] text for a right one",
                )
            text = "\n".join(text_lines).strip()
            if not text:
                raise QuizError(path, line, "this option has no text", "write the option after the checkbox")
            if text in seen:
                raise QuizError(
                    path,
                    line,
                    f"this option repeats the one on line {seen[text]}",
                    "make every option of a question different",
                )
            seen[text] = line
            _check_text(path, line, text)
            options.append(Option(text=text, correct=mark in ("x", "X")))
        correct = sum(option.correct for option in options)
        if correct == 0:
            raise QuizError(
                path,
                draft.options[0][0],
                f"question {{#{draft.id}}} has no correct option",
                "mark the right option with - [x] (several [x] make a select-all question)",
            )
        kind = "single" if correct == 1 else "multiple"
        answer, tolerance = None, 0.0
    elif draft.answer is not None:
        kind = "numeric"
        answer, tolerance = _parse_answer(path, draft.answer_line, draft.answer)
    else:
        raise QuizError(
            path,
            draft.line,
            f"question {{#{draft.id}}} has no options and no '= VALUE' line",
            "add options as a task list (- [ ] wrong, - [x] right) or a numeric answer line such as = 0.25",
        )
    if not draft.explanation or not "".join(draft.explanation).strip():
        raise QuizError(
            path,
            draft.line,
            f"question {{#{draft.id}}} has no explanation",
            "add a blockquote after the options: > why the answer is right and the others are not",
        )
    _check_text(path, draft.explanation_line, "\n".join(draft.explanation))
    explanation = "\n".join(draft.explanation).strip()
    if options:
        _check_no_positions(path, draft, explanation)
    return Question(
        id=draft.id,
        title=draft.title,
        body=body,
        kind=kind,
        options=tuple(options),
        answer=answer,
        tolerance=tolerance,
        explanation=explanation,
        line=draft.line,
    )


# Options are shown shuffled (and lettered anew): a text that points at one by its place ("the
# second option", "the last equation", "option (b)", "all of the above", 「最後の選択肢」, 「選択肢イ」)
# points at the wrong one.  Name the option by its content.  Kept precise, so that the bank's own
# wording passes: "the other options" and 「他の選択肢」 name no place; a bare "the former"/「前者」
# names the nearer of two things in its own sentence ("L2 and dropout ..., the former"); "the last
# axis", "the first layer", 「最後の軸」 are not options.  Checked in the question text, every option
# and the explanation of a question with options (a numeric question has none).
_OPTION_NOUN = r"(?:options?|choices?|answers?|alternatives?|equations?|formulas?|formulae|expressions?|statements?)"
_POSITION_WORDS = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|last|final|top|bottom|above|below|previous|next|preceding|"
    r"following|former|latter|[1-9](?:st|nd|rd|th))\s+" + _OPTION_NOUN + r"\b"
    r"|\b(?:option|choice)\s+(?:\([a-j1-9]\)|[a-j1-9]\b)"
    r"|\banswer\s+\([a-j]\)"
    r"|\b(?:options?|choices?|answers?)\s+(?:above|below)\b"
    r"|\b(?:all|none|both|either|neither)\s+of\s+the\s+(?:above|below)\b"
    r"|(?:最初|一番上|一番下|上|下|前|次|最後|上から\s*[1-9１-９一二三四五六]\s*(?:つ|番)[目め]"
    r"|[1-9１-９一二三四五六]\s*(?:つ|番)[目め])の(?:選択肢|答え|解答)"
    r"|(?:最初|最後|[1-9１-９一二三四五六]\s*(?:つ|番)[目め])の(?:式|記述)"
    r"|選択肢\s*[(（]?[A-Ja-jア-コ1-9１-９][)）]?"
    r"|上記の?(?:すべて|いずれも|どれも)",
    re.IGNORECASE,
)


def _check_no_positions(path: Path, draft: _Draft, explanation: str) -> None:
    """Refuse question text, option or explanation that points at an option by its place."""
    parts = [("the question text", draft.line + 1, "\n".join(draft.body))]
    parts += [("an option", line, "\n".join(text_lines)) for line, _, text_lines in draft.options]
    parts.append(("the explanation", draft.explanation_line, "\n".join(draft.explanation or [])))
    for where, first_line, text in parts:
        found = _POSITION_WORDS.search(text)
        if found is None:
            continue
        raise QuizError(
            path,
            first_line + text.count("\n", 0, found.start()),
            f"{where} of {{#{draft.id}}} points at an option by its place ({found.group(0)!r})",
            "options are shown shuffled: name the option by what it says (quote it) instead",
        )


def _read_source(path: Path) -> str:
    """The text of the quiz file at ``path``: a regular file of at most ``MAX_QUIZ_BYTES`` bytes of UTF-8."""
    try:
        if not path.is_file():
            raise QuizError(path, 1, "this is not a regular file; it was not opened", "make it the quiz's .md file")
        with path.open("rb") as handle:
            data = handle.read(MAX_QUIZ_BYTES + 1)
    except OSError as problem:
        raise QuizError(
            path, 1, f"the file can not be read ({problem.strerror or problem})", "make it a readable file"
        ) from None
    if len(data) > MAX_QUIZ_BYTES:
        raise QuizError(
            path,
            1,
            f"the file is larger than {MAX_QUIZ_BYTES // 1024} KiB",
            "a quiz is a few questions: split it into several quizzes",
        )
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise QuizError(
            path, data[: problem.start].count(b"\n") + 1, "the file is not UTF-8", "save it as UTF-8"
        ) from None
    control = _CONTROL.search(source)
    if control:
        raise QuizError(
            path,
            source.count("\n", 0, control.start()) + 1,
            f"the file holds the control character U+{ord(control.group()):04X}",
            "remove it: a quiz holds text, and this character could rewrite a terminal or break an export",
        )
    return source


def load_quiz(path: Path) -> Quiz:
    """Read one quiz file and check it against QUIZZES.md.

    Parameters
    ----------
    path : Path
        ``.../<lang>/NN-topic.md`` where ``<lang>`` is ``en`` or ``ja``.

    Returns
    -------
    Quiz
        The quiz with every question, options in source order.

    Raises
    ------
    QuizError
        At the first problem, naming the file, the line and the fix.
    """
    path = Path(path)
    named = FILE_NAME.match(path.name)
    if named is None:
        raise QuizError(
            path,
            1,
            f"the file name {path.name!r} is not NN-topic.md",
            "rename it to the quiz number and a lower-case topic, e.g. 03-gradient-descent.md",
        )
    lang = path.parent.name
    if lang not in LANGUAGES:
        raise QuizError(
            path,
            1,
            f"the quiz is in a folder named {lang!r}",
            f"put it in quizzes/{LANGUAGES[0]}/ or quizzes/{LANGUAGES[1]}/",
        )
    source = _read_source(path)
    lines = source.splitlines()
    data, start = _front_matter(path, lines)

    seen: dict[str, int] = {}
    drafts: list[tuple[_Draft, list[tuple[int, str]]]] = []
    fenced = False
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            question_id, title = _heading(path, number, heading.group("text"), seen)
            drafts.append((_Draft(id=question_id, title=title, line=number, body=[], options=[]), []))
        elif drafts:
            drafts[-1][1].append((number, line))
        elif line.strip():
            raise QuizError(
                path,
                number,
                "text before the first question",
                "start every question with a heading ## Title {#id}; nothing else goes above it",
            )
    if not drafts:
        raise QuizError(
            path,
            start + 1 if start < len(lines) else start,
            "the quiz has no questions",
            "add questions, each starting with a heading ## Title {#id}",
        )
    questions = []
    for draft, body in drafts:
        _read_question(path, draft, body)
        questions.append(_finish(path, draft))
    return Quiz(
        number=int(named.group("number")),
        slug=path.stem,
        lang=lang,
        path=path,
        title=str(data["title"]).strip(),
        area=str(data.get("area", "")),
        # lists of these types by construction: _front_matter refuses any other value
        topics=tuple(cast(list[str], data.get("topics", []))),
        exercises=tuple(cast(list[int], data.get("exercises", []))),
        shuffle=bool(data.get("shuffle", True)),
        questions=tuple(questions),
    )


# --- both languages ---------------------------------------------------------------


def _front_matter_line(quiz: Quiz, key: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    try:
        source = _read_source(quiz.path)  # read again, with the same limits: it may have changed since
    except QuizError:
        return 1
    for number, line in enumerate(source.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def compare_languages(first: Quiz, second: Quiz) -> list[QuizError]:
    """How the translation ``second`` drifted from ``first``: ids, answer keys, option counts, values.

    Each error is reported in ``second`` (or in ``first`` for a question only it
    has) and names the question.
    """
    errors: list[QuizError] = []
    where = display_path(first.path)
    if first.slug != second.slug:
        errors.append(
            QuizError(
                second.path,
                1,
                f"quiz {second.number:02d} is named {second.slug}.md here but {first.slug}.md in {first.lang}",
                "give both languages the same file name",
            )
        )
    for key in ("area", "topics", "exercises", "shuffle"):
        if getattr(first, key) != getattr(second, key):
            errors.append(
                QuizError(
                    second.path,
                    _front_matter_line(second, key),
                    f"{key} is {getattr(second, key)!r} here but {getattr(first, key)!r} in {where}",
                    "make the front matter of both languages agree (only the title is translated)",
                )
            )
    first_ids = {question.id: question for question in first.questions}
    second_ids = {question.id: question for question in second.questions}
    for question in first.questions:
        if question.id not in second_ids:
            errors.append(
                QuizError(
                    first.path,
                    question.line,
                    f"question {{#{question.id}}} is missing from {display_path(second.path)}",
                    f"translate it there with the same id, or remove it from {where}",
                )
            )
    for question in second.questions:
        other = first_ids.get(question.id)
        if other is None:
            errors.append(
                QuizError(
                    second.path,
                    question.line,
                    f"question {{#{question.id}}} is not in {where}",
                    "use the id of the question it translates, or add the question to both languages",
                )
            )
            continue
        there = f"{where}:{other.line}"
        if question.kind != other.kind:
            problem = f"question {{#{question.id}}} is {question.kind} here but {other.kind} in {there}"
        elif len(question.options) != len(other.options):
            problem = (
                f"question {{#{question.id}}} has {len(question.options)} options here "
                f"but {len(other.options)} in {there}"
            )
        elif question.correct_indices != other.correct_indices:
            mine = ", ".join(str(index + 1) for index in sorted(question.correct_indices))
            theirs = ", ".join(str(index + 1) for index in sorted(other.correct_indices))
            problem = f"question {{#{question.id}}} marks option(s) {mine} correct here but {theirs} in {there}"
        elif (question.answer, question.tolerance) != (other.answer, other.tolerance):
            problem = (
                f"question {{#{question.id}}} has the answer {_format_value(question)} here "
                f"but {_format_value(other)} in {there}"
            )
        else:
            continue
        errors.append(
            QuizError(
                second.path,
                question.line,
                problem,
                "translations keep the same options in the same order and the same answers",
            )
        )
    return errors


def _format_value(question: Question) -> str:
    if question.answer is None:
        return "(none)"
    value = f"{question.answer:g}"
    return f"{value} ± {question.tolerance:g}" if question.tolerance else value


def quiz_number(path: Path) -> int | None:
    """The quiz number a file name ``NN-topic.md`` gives, None for any other name."""
    named = FILE_NAME.match(Path(path).name)
    return int(named.group("number")) if named else None


def load_bank(
    root: Path | None = None, numbers: Iterable[int] | None = None
) -> tuple[dict[tuple[int, str], Quiz], list[QuizError]]:
    """Load every quiz of both languages; leave out the broken ones and say why.

    Parameters
    ----------
    root : Path, optional
        The folder holding ``en/`` and ``ja/`` (default: ``quiz_root()``).
    numbers : iterable of int, optional
        Load only these quiz numbers (default: all).

    Returns
    -------
    quizzes : dict
        ``(number, lang) -> Quiz`` for every quiz whose two files load and agree.
    errors : list of QuizError
        One or more per quiz that was left out; the other quizzes are unaffected.
    """
    root = quiz_root() if root is None else Path(root)
    wanted = None if numbers is None else set(numbers)
    files: dict[int, dict[str, list[Path]]] = {}
    errors: list[QuizError] = []
    for lang in LANGUAGES:
        for path in sorted((root / lang).glob("*.md")):
            named = FILE_NAME.match(path.name)
            if named is None:
                if wanted is None:
                    errors.append(
                        QuizError(
                            path,
                            1,
                            f"the file name {path.name!r} is not NN-topic.md",
                            "rename it, e.g. 03-gradient-descent.md",
                        )
                    )
                continue
            number = int(named.group("number"))
            if wanted is None or number in wanted:
                files.setdefault(number, {}).setdefault(lang, []).append(path)
    quizzes: dict[tuple[int, str], Quiz] = {}
    for number in sorted(files):
        loaded: dict[str, Quiz] = {}
        failed = False
        for lang in LANGUAGES:
            paths = files[number].get(lang, [])
            if not paths:
                other = next(iter(files[number].values()))[0]
                errors.append(
                    QuizError(
                        other,
                        1,
                        f"quiz {number:02d} has no {lang} version",
                        f"add {display_path(root / lang / other.name)} (a translation with the same ids and answers)",
                    )
                )
                failed = True
                continue
            if len(paths) > 1:
                errors.append(
                    QuizError(
                        paths[1],
                        1,
                        f"two {lang} quizzes are numbered {number:02d} ({paths[0].name} and {paths[1].name})",
                        "give each quiz its own number",
                    )
                )
                failed = True
                continue
            try:
                loaded[lang] = load_quiz(paths[0])
            except QuizError as problem:
                errors.append(problem)
                failed = True
        if failed:
            continue
        drift = compare_languages(loaded[LANGUAGES[0]], loaded[LANGUAGES[1]])
        if drift:
            errors.extend(drift)
            continue
        for lang, quiz in loaded.items():
            quizzes[(number, lang)] = quiz
    return quizzes, errors


# --- answering --------------------------------------------------------------------


def option_order(question: Question, seed: int | None, shuffle: bool) -> list[int]:
    """The order to show the options in: a permutation of their source indices.

    Deterministic for a given ``seed`` (and different from question to question);
    fresh randomness when ``seed`` is None; source order when not ``shuffle``.
    """
    count = len(question.options)
    if not shuffle or count < 2:
        return list(range(count))
    if seed is None:
        rng = np.random.default_rng()
    else:
        rng = np.random.default_rng([seed, zlib.crc32(question.id.encode("utf-8"))])
    return [int(index) for index in rng.permutation(count)]


def is_correct(question: Question, response: object) -> bool:
    """Whether ``response`` answers ``question``.

    ``response`` is a set of source option indices for a choice question (all
    the ``[x]`` options and nothing else), a number for a numeric one (within
    the tolerance; exact up to a relative 1e-9 when the file gives none).
    """
    if question.kind == "numeric":
        if isinstance(response, bool) or not isinstance(response, numbers.Real):
            return False
        response = float(response)
        if not math.isfinite(response) or question.answer is None:
            return False
        # the small absolute slack absorbs float rounding, e.g. 0.951 - 0.95 > 0.001
        return math.isclose(
            response,
            question.answer,
            rel_tol=DEFAULT_RELATIVE_TOLERANCE,
            abs_tol=question.tolerance * (1 + 1e-9) + 1e-12,
        )
    if not isinstance(response, set | frozenset | list | tuple):
        return False
    return set(response) == set(question.correct_indices)
