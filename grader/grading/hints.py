"""Hints that unfold: from a gentle nudge to the near-answer, one level at a time.

Every function and class of an exercise has a ladder of up to three levels
(nudge, approach, near-answer).  The ladders are course material, written in
Markdown beside the quizzes, one file per exercise and language::

    hints/en/01-activations.md    hints/ja/01-activations.md

    ## relu

    ### nudge
    ReLU keeps positive values and replaces negative ones with zero. ...

    ### approach
    ...

(the format is in ``hints/README.md``).  ``hint_ladders`` reads both files of
an exercise, checks them against the rules and against each other, and pairs
the levels into bilingual ``Text``; a file that breaks a rule is a
``HintError`` naming the file, the line and the fix.

The ladder of one failed check is its own hint, the misconception the check
recognised (when it has one), followed by the levels of the function or class
it checks.  A failed check shows the first level only; ``grade hint N``
unfolds the next one each time it is run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import contract_names, hints_root, stub_path
from grader.errors import HintError, display_path
from grader.text import LANGUAGES, Text

if TYPE_CHECKING:
    from grader.grading.results import CheckResult

LEVELS = ("nudge", "approach", "near-answer")
# The course's largest hint file has 7 KB: a ladder is a few paragraphs per function.
MAX_HINT_BYTES = 64 * 1024
_LANGUAGE_NAMES = {"en": "English", "ja": "Japanese"}
_HEADING = re.compile(r"#+(?=[ \t]|$)")
# Characters a terminal acts on (escape sequences) or that reorder the text shown (bidirectional
# overrides); a hint is printed to the learner's terminal.  Tab and newline are ordinary.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_README = "see hints/README.md"


def hint_file(number: int, lang: str, root: Path | None = None) -> Path:
    """The hint file of exercise ``number`` in ``lang``: ``hints/<lang>/NN-topic.md``.

    ``NN-topic`` follows the exercise's stub: ``ex02_softmax_loss.py`` has
    ``02-softmax-loss.md``.
    """
    topic = stub_path(number).stem.split("_", 1)[1].replace("_", "-")
    return (root or hints_root()) / lang / f"{number:02d}-{topic}.md"


def hint_ladders(number: int, root: Path | None = None) -> dict[str, tuple[Text, ...]]:
    """The hint ladders of exercise ``number``: function or class name -> its levels, first to last.

    Parameters
    ----------
    number : int
        The exercise number, as in ``grade hint 3``.
    root : Path, optional
        The folder holding ``en/`` and ``ja/`` (the course's ``hints/`` by default).

    Returns
    -------
    dict of str to tuple of Text
        In the order of the English file; a name without a section has no ladder.

    Raises
    ------
    HintError
        At the first problem of either file, naming the file, the line and the fix.
    """
    return dict(_load(number, (root or hints_root()).resolve()))


@cache
def _load(number: int, root: Path) -> dict[str, tuple[Text, ...]]:
    """Both files of exercise ``number`` under ``root``, read once per process."""
    names = contract_names(number)
    paths = {lang: hint_file(number, lang, root) for lang in LANGUAGES}
    read = {lang: _parse(paths[lang], number, names) for lang in LANGUAGES}
    for here, there in (("en", "ja"), ("ja", "en")):
        for name, section in read[here].items():
            if name not in read[there]:
                raise HintError(
                    paths[here],
                    section.line,
                    f"{name} has a ladder here and none in {display_path(paths[there])}",
                    f"add ## {name} there with the same levels, or remove it here",
                )
    en, ja = read["en"], read["ja"]
    for name, section in ja.items():
        if len(section.levels) != len(en[name].levels):
            raise HintError(
                paths["ja"],
                section.line,
                f"{name} has {len(section.levels)} levels here and {len(en[name].levels)} in "
                f"{display_path(paths['en'])}",
                "give both languages the same levels (" + ", ".join(LEVELS) + ")",
            )
    return {
        name: tuple(Text(english, japanese) for english, japanese in zip(section.levels, ja[name].levels, strict=True))
        for name, section in en.items()
    }


@dataclass
class _Section:
    """One ``## name`` of a hint file: the line of its heading and the text of each level."""

    name: str
    line: int
    levels: list[str] = field(default_factory=list)


def _parse(path: Path, number: int, names: Sequence[str]) -> dict[str, _Section]:
    """The sections of one hint file, checked against the rules of ``hints/README.md``."""
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    level_line = 0  # the line of the current level's heading, 0 before the first level of a section
    text: list[str] = []

    def end_level() -> None:
        if current is None or not level_line:
            return
        body = "\n".join(text).strip("\n")
        if not body:
            raise HintError(
                path,
                level_line,
                f"the level {LEVELS[len(current.levels)]} of {current.name} is empty",
                "write the hint below its heading",
            )
        current.levels.append(body)
        text.clear()

    def end_section() -> None:
        end_level()
        if current is not None and not current.levels:
            raise HintError(path, current.line, f"{current.name} has no levels", "add ### nudge and the hint below it")

    for line_number, raw in enumerate(_read(path).split("\n"), start=1):
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading is None:
            if current is None:
                continue  # before the first section: a title and notes for translators
            if level_line:
                text.append(line)
            elif line:
                raise HintError(
                    path,
                    line_number,
                    f"text under ## {current.name} before its first level",
                    f"put it below a level heading: ### {LEVELS[0]}",
                )
            continue
        depth, title = len(heading.group()), line[heading.end() :].strip()
        if depth == 1 and current is None:
            continue  # the file's title
        if depth == 2:
            end_section()
            current, level_line = _section(path, line_number, title, number, names, sections), 0
            sections[title] = current
        elif depth == 3 and current is not None:
            end_level()
            _check_level(path, line_number, title, current)
            level_line = line_number
        else:
            raise HintError(
                path,
                line_number,
                f"a {'#' * depth} heading {'before the first ## heading' if current is None else 'in a ladder'}",
                "use ## for a function or class and ### for its levels (" + ", ".join(LEVELS) + ")",
            )
    end_section()
    return sections


def _section(
    path: Path, line: int, name: str, number: int, names: Sequence[str], sections: Mapping[str, _Section]
) -> _Section:
    """A new ``## name`` section, once its name is known to be one of the exercise's and new."""
    if name not in names:
        raise HintError(
            path,
            line,
            f"{name or 'an empty heading'} is not a function or class of exercise {number}",
            "the heading is one of " + ", ".join(names),
        )
    if name in sections:
        raise HintError(
            path, line, f"## {name} appears twice (first at line {sections[name].line})", "keep one ladder per name"
        )
    return _Section(name, line)


def _check_level(path: Path, line: int, title: str, section: _Section) -> None:
    """A ``### level`` heading must be the next level of the ladder."""
    done = len(section.levels)
    if done == len(LEVELS):
        raise HintError(
            path,
            line,
            f"{section.name} has a level after ### {LEVELS[-1]}",
            f"a ladder has at most {len(LEVELS)} levels: " + ", ".join(LEVELS),
        )
    if title.lower() != LEVELS[done]:
        raise HintError(
            path,
            line,
            f"### {title} where {section.name} needs ### {LEVELS[done]}",
            "the levels are, in this order: " + ", ".join(LEVELS),
        )


def _read(path: Path) -> str:
    """The text of the hint file at ``path``: a regular file of at most ``MAX_HINT_BYTES`` bytes of UTF-8."""
    lang = _LANGUAGE_NAMES.get(path.parent.name, path.parent.name)
    try:
        if not path.exists():
            raise HintError(path, 1, f"the file is missing: no hints in {lang}", f"create it ({_README})")
        if not path.is_file():
            raise HintError(path, 1, "this is not a regular file; it was not opened", "make it the hint .md file")
        with path.open("rb") as handle:
            data = handle.read(MAX_HINT_BYTES + 1)
    except OSError as problem:
        raise HintError(
            path, 1, f"the file can not be read ({problem.strerror or problem})", "make it a readable file"
        ) from None
    if len(data) > MAX_HINT_BYTES:
        raise HintError(
            path,
            1,
            f"the file is larger than {MAX_HINT_BYTES // 1024} KiB",
            "a ladder is a few short paragraphs per function: shorten the hints",
        )
    try:
        source = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError as problem:
        raise HintError(
            path, data[: problem.start].count(b"\n") + 1, "the file is not UTF-8", "save it as UTF-8"
        ) from None
    control = _CONTROL.search(source)
    if control:
        raise HintError(
            path,
            source.count("\n", 0, control.start()) + 1,
            f"the file holds the control character U+{ord(control.group()):04X}",
            "remove it: a hint is printed to the learner's terminal, which this character could rewrite",
        )
    return source


def ladder(result: CheckResult, ladders: Mapping[str, Sequence[Text]]) -> list[Text]:
    """Every hint level of one check's result, first to last, without repeats."""
    levels: list[Text] = []
    for level in ([result.hint] if result.hint is not None else []) + list(ladders.get(result.target, ())):
        if level not in levels:
            levels.append(level)
    return levels


def with_first_hint(result: CheckResult, ladders: Mapping[str, Sequence[Text]]) -> CheckResult:
    """A failed check without a hint of its own gets the first level of its ladder."""
    from grader.grading.results import Status

    if result.status != Status.FAILED or result.hint is not None or not ladders.get(result.target):
        return result
    if result.blocked_by is not None:  # another exercise's file failed: its hints are not for this function
        return result
    return replace(result, hint=ladders[result.target][0])
