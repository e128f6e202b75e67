"""Confirmation-test quizzes: the model and the loader of ``quizzes/LANG/NN-topic.md``.

The source format is described in QUIZZES.md. ``load_quiz`` reads one file and
raises ``QuizError`` (file, line, what is wrong, what to do) on the first
problem; ``load_bank`` reads every quiz of both languages, leaves out each quiz
that has an error or whose two languages disagree, and returns the errors next
to the quizzes that loaded.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
import tomllib
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.course import quizzes_root
from grader.errors import MathError, QuizError, display_path
from grader.mathml import find_math, to_mathml
from grader.text import LANGUAGES

KINDS = ("single", "multiple", "numeric")
FILE_NAME = re.compile(r"^(?P<number>\d{2})-(?P<topic>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
QUESTION_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_MATTER_KEYS = {
    "title": "a string",
    "topics": "a list of strings",
    "exercises": "a list of numbers",
    "shuffle": "true or false",
}

_HEADING = re.compile(r"^##(?!#)[ \t]*(?P<text>.*?)[ \t]*$")
_HEADING_ID = re.compile(r"\{#(?P<id>[^}]*)\}$")
_OPTION = re.compile(r"^[-*+][ \t]+\[(?P<mark>[^\]]{0,3})\](?=[ \t]|$)[ \t]*(?P<text>.*)$")
_LIST_ITEM = re.compile(r"^[-*+][ \t]")
_ANSWER = re.compile(r"^=(?!=)[ \t]*(?P<value>.*?)[ \t]*$")
_QUOTE = re.compile(r"^>[ \t]?(?P<text>.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_TOLERANCE = re.compile(r"\s*(?:±|\+/-|\+-)\s*")
_TOML_POSITION = re.compile(r"\(at line (?P<line>\d+), column \d+\)|\(at end of document\)")
DEFAULT_RELATIVE_TOLERANCE = 1e-9


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

    @property
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


# --- one file -----------------------------------------------------------------


def _slug_suggestion(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:5]) or "short-english-id"


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, object], int]:
    """The TOML between the ``+++`` lines and the index of the first line after it."""
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
    try:
        data = tomllib.loads(source)
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

    def key_line(key: str) -> int:
        pattern = re.compile(rf'^\s*(?:\[\s*)?["\']?{re.escape(key)}["\']?\s*[=\]]')
        return next((index + 2 for index, line in enumerate(lines[1:closing]) if pattern.match(line)), 1)

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
    if not isinstance(data.get("shuffle", True), bool):
        raise QuizError(
            path,
            key_line("shuffle"),
            "shuffle must be true or false",
            "write shuffle = false (lower case, no quotes) to keep the options in source order",
        )
    return data, closing + 1


def _number(text: str) -> float | None:
    text = text.strip().replace("\u2212", "-")
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _parse_answer(path: Path, line: int, value: str) -> tuple[float, float]:
    fix = "write a plain number, optionally with a tolerance: = 0.25 or = 0.881 ± 0.001 (no units, no commas)"
    parts = _TOLERANCE.split(value, maxsplit=1)
    answer = _number(parts[0])
    if answer is None:
        raise QuizError(path, line, f"the answer {value!r} is not a number", fix)
    tolerance = 0.0
    if len(parts) == 2:
        parsed = _number(parts[1])
        if parsed is None or parsed < 0:
            raise QuizError(path, line, f"the tolerance in {value!r} is not a non-negative number", fix)
        tolerance = parsed
    return answer, tolerance


def _check_math(path: Path, first_line: int, text: str) -> None:
    """Every formula of ``text`` (which starts on ``first_line``) must convert to MathML."""

    def line_of(offset: int) -> int:
        return first_line + text.count("\n", 0, offset)

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


def _heading(path: Path, number: int, text: str, seen: dict[str, int]) -> tuple[str, str]:
    found = _HEADING_ID.search(text)
    title = text[: found.start()].strip() if found else text.strip()
    if not title:
        raise QuizError(path, number, "the question heading has no title", "write ## A short title {#question-id}")
    if found is None:
        raise QuizError(
            path,
            number,
            f"the question {title!r} has no id",
            f"end the heading with an id, e.g. ## {title} {{#{_slug_suggestion(title)}}}",
        )
    question_id = found.group("id").strip()
    if not QUESTION_ID.match(question_id):
        raise QuizError(
            path,
            number,
            f"the id {{#{question_id}}} is not a valid question id",
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


def _read_question(path: Path, draft: _Draft, lines: list[tuple[int, str]]) -> None:
    """Sort the lines after a heading into body, options or answer, and explanation."""
    state = "body"
    fenced = False
    previous = ""
    for number, line in lines:
        stripped = line.strip()
        if state == "body":
            if _FENCE.match(line):
                fenced = not fenced
            if fenced or _FENCE.match(line):
                draft.body.append(line)
                previous = line
                continue
            option = _OPTION.match(line)
            answer = _ANSWER.match(line)
            quote = _QUOTE.match(line)
            if option:
                if _LIST_ITEM.match(previous):
                    raise QuizError(
                        path,
                        number - 1,
                        "this list item right above the options has no checkbox",
                        "write it as - [ ] text (wrong) or - [x] text (right), or leave a blank line",
                    )
                state = "options"
            elif answer:
                state = "answer"
            elif quote:
                state = "explanation"
            else:
                draft.body.append(line)
                previous = line
                continue
        if state == "options":
            option = _OPTION.match(line)
            if option:
                draft.options.append((number, option.group("mark"), [option.group("text")]))
            elif not stripped:
                pass
            elif line[:1] in (" ", "\t") and draft.options and not _LIST_ITEM.match(stripped):
                draft.options[-1][2].append(stripped)
            elif _LIST_ITEM.match(line):
                raise QuizError(
                    path,
                    number,
                    "this option has no checkbox",
                    "write - [ ] text for a wrong option and - [x] text for a right one",
                )
            elif _ANSWER.match(line):
                raise QuizError(
                    path,
                    number,
                    f"question {{#{draft.id}}} has both options and an '= VALUE' line",
                    "keep the options for a choice question, or the '= VALUE' line for a numeric one",
                )
            elif _QUOTE.match(line):
                state = "explanation"
            else:
                raise QuizError(
                    path,
                    number,
                    "text between the options and the explanation",
                    "put the question text above the options, and start each explanation line with >",
                )
        if state == "answer":
            answer = _ANSWER.match(line)
            if answer and draft.answer is None:
                draft.answer, draft.answer_line = answer.group("value"), number
            elif answer:
                raise QuizError(
                    path,
                    number,
                    f"question {{#{draft.id}}} has a second '= VALUE' line",
                    f"keep one answer line (the first is on line {draft.answer_line})",
                )
            elif not stripped:
                pass
            elif _OPTION.match(line):
                raise QuizError(
                    path,
                    number,
                    f"question {{#{draft.id}}} has both an '= VALUE' line and options",
                    "keep the options for a choice question, or the '= VALUE' line for a numeric one",
                )
            elif _QUOTE.match(line):
                state = "explanation"
            else:
                raise QuizError(
                    path,
                    number,
                    "text after the '= VALUE' line",
                    "put the question text above it, and start each explanation line with >",
                )
        if state == "explanation":
            quote = _QUOTE.match(line)
            if quote:
                if draft.explanation is None:
                    draft.explanation, draft.explanation_line = [], number
                draft.explanation.append(quote.group("text"))
            elif not stripped:
                if draft.explanation is not None:
                    draft.explanation.append("")
            elif _OPTION.match(line) or _ANSWER.match(line):
                raise QuizError(
                    path,
                    number,
                    f"question {{#{draft.id}}} has an option or answer after its explanation",
                    "the options or '= VALUE' line come first, the explanation (> lines) last",
                )
            else:
                raise QuizError(
                    path,
                    number,
                    "text after the explanation",
                    "start every explanation line with >, or start a new question with ## Title {#id}",
                )


def _finish(path: Path, draft: _Draft) -> Question:
    """Check a drafted question and build it."""
    _check_math(path, draft.line, draft.title)
    _check_math(path, draft.line + 1, "\n".join(draft.body))
    body = "\n".join(draft.body).strip()
    options: list[Option] = []
    if draft.options:
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
            _check_math(path, line, text)
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
    _check_math(path, draft.explanation_line, "\n".join(draft.explanation))
    explanation = "\n".join(draft.explanation).strip()
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
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as problem:
        line = path.read_bytes()[: problem.start].count(b"\n") + 1
        raise QuizError(path, line, "the file is not UTF-8", "save it as UTF-8") from None
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
        topics=tuple(data.get("topics", [])),
        exercises=tuple(data.get("exercises", [])),
        shuffle=bool(data.get("shuffle", True)),
        questions=tuple(questions),
    )


# --- both languages ---------------------------------------------------------------


def _front_matter_line(quiz: Quiz, key: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(quiz.path.read_text(encoding="utf-8").splitlines(), start=1):
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
    for key in ("topics", "exercises", "shuffle"):
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
