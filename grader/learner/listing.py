"""How ``grade list`` draws: progress bars, totals, colour and column widths.

The rows themselves are built by ``grader.learner.commands.overview``; this
module holds what they are drawn with, so the table can be tested without a
workspace and the decision "colour or not" is made in one place.

Colour is decoration only: every row says in words what its colour says
(``passed``, ``failing (5 of 8 checks pass)``, ``edited since``, ``not
attempted``), so the text without colour carries the same information.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import click

from grader.learner.workspace import state_folder
from grader.statefile import read_state
from grader.text import Text, untrusted

BAR_WIDTH = 10
FULL, EMPTY = "█", "░"  # U+2588, U+2591
ASCII_FULL, ASCII_EMPTY = "#", "."
QUIZ_PASS_FRACTION = 0.8  # the course's pass mark for a confirmation test (E資格 publishes none of its own)
COLOUR_CHOICES = ("auto", "always", "never")
NAME_LIMIT = 40  # columns of the file column at most; a longer name keeps its end (the file's own name)
QUIZ_TITLE_LIMIT = 56  # columns of a quiz title at most, so a quiz row stays near 100 columns

# tone -> click.style arguments; a tone only ever repeats what the words of the row say
TONES: dict[str, dict[str, object]] = {
    "passed": {"fg": "green"},
    "failing": {"fg": "red"},
    "partial": {"fg": "yellow"},  # edited since its grading, or a quiz below the pass mark
    "none": {"dim": True},  # not attempted, not taken yet
}


def columns(text: str) -> int:
    """Terminal columns ``text`` takes: a wide (CJK) character two, a combining mark none.

    Ambiguous-width characters (the bar's blocks, for one) count as one column;
    every row draws the same number of them, so a terminal that shows them two
    columns wide shifts all rows alike and the columns still line up.
    """
    width = 0
    for character in text:
        if unicodedata.combining(character) or unicodedata.category(character) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(character) in "WF" else 1
    return width


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` terminal columns."""
    return text + " " * max(0, width - columns(text))


def shorten(text: str, limit: int, ellipsis: str = "...") -> str:
    """``text`` cut to at most ``limit`` terminal columns (CJK characters take two), ending in ``ellipsis``."""
    if columns(text) <= limit:
        return text
    kept = ""
    room = limit - columns(ellipsis)
    for character in text:
        if columns(kept + character) > room:
            break
        kept += character
    return kept.rstrip() + ellipsis


def shown_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A file name from the workspace or a result file, safe to print and at most ``limit`` columns.

    Control characters are escaped (a file named with an escape sequence must not
    recolour or clear the terminal); a longer name keeps its end, where the
    file's own name is, after ``...``.
    """
    name = untrusted(name, 1000).replace("\n", "\\n").replace("\t", "\\t")
    if columns(name) <= limit:
        return name
    kept = ""
    for character in reversed(name):
        if columns(character + kept) > limit - 3:
            break
        kept = character + kept
    return "..." + kept


def wants_colour(choice: str, stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``grade list`` colours its output.

    ``--color always`` / ``never`` decide (a command-line option overrides the
    environment, as no-color.org asks).  Else, in this order: ``NO_COLOR`` set to
    anything but the empty string means no colour; ``FORCE_COLOR`` set and not
    empty means colour, except ``0`` or ``false``, which mean none (as Node and
    chalk read it); ``TERM=dumb`` means none; otherwise colour exactly when
    ``stream`` is a terminal.
    """
    if choice not in COLOUR_CHOICES:
        raise ValueError(f"colour choice is one of {', '.join(COLOUR_CHOICES)}; got {choice!r}")
    if choice != "auto":
        return choice == "always"
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR", ""):
        return False
    force = environ.get("FORCE_COLOR", "")
    if force:
        return force.strip().lower() not in ("0", "false")
    if environ.get("TERM", "") == "dumb":
        return False
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def can_draw_blocks(stream: TextIO | None) -> bool:
    """Whether ``stream``'s encoding has the bar's block characters (a cp1252 or ASCII console has not)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str) or not encoding:
        return False
    try:
        (FULL + EMPTY).encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True


@dataclass(frozen=True)
class ListStyle:
    """How ``grade list`` is drawn: with colour or not, with block characters or ASCII."""

    colour: bool = False
    blocks: bool = True

    @classmethod
    def for_stream(
        cls, stream: TextIO | None, choice: str = "auto", environ: Mapping[str, str] | None = None
    ) -> ListStyle:
        """The style for printing to ``stream`` with ``--color choice``."""
        return cls(colour=wants_colour(choice, stream, environ), blocks=can_draw_blocks(stream))

    def bar(self, done: float, total: float, width: int = BAR_WIDTH) -> str:
        """A bar of ``width`` cells, ``done`` of ``total`` filled (rounded down: full only when complete).

        ``total`` of 0 or less (nothing to count) draws an empty bar; ``done`` is
        clamped to 0..``total``, so a hand-edited score of 15/10 draws a full bar,
        not a longer one.
        """
        full, empty = (FULL, EMPTY) if self.blocks else (ASCII_FULL, ASCII_EMPTY)
        filled = 0
        if total > 0:
            fraction = min(1.0, max(0.0, done / total))
            filled = width if fraction >= 1.0 else min(width - 1, int(fraction * width))
        return full * filled + empty * (width - filled)

    def paint(self, text: str, tone: str) -> str:
        """``text`` in the colour of ``tone`` when colouring, else as it is."""
        if not self.colour or tone not in TONES:
            return text
        return click.style(text, **TONES[tone])  # type: ignore[arg-type]


def percent(done: float, total: float) -> int:
    """Whole percent of ``done`` in ``total``, rounded down (79.9 % is not shown as a pass mark of 80 %)."""
    if total <= 0:
        return 0
    return int(min(1.0, max(0.0, done / total)) * 100 + 1e-9)


# --- totals ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseTotals:
    """What the exercise table adds up to."""

    exercises: int
    passed: int = 0
    failing: int = 0
    edited: int = 0
    checks_passing: int = 0
    checks_graded: int = 0
    graded: int = 0  # exercises with a grading on record (their checks are counted)


def exercise_totals_line(totals: ExerciseTotals, lang: str) -> str:
    """The line under the exercise table: exercises passed of all, checks passing of those graded."""
    text = Text(
        "    Total: {passed} of {n} exercises passed, {failing} failing, {untouched} not attempted",
        "    合計: 課題 {n} 件中 {passed} 件合格、不合格 {failing} 件、未着手 {untouched} 件",
    ).format(passed=totals.passed, n=totals.exercises, failing=totals.failing,
             untouched=totals.exercises - totals.passed - totals.failing)  # fmt: skip
    line = text(lang)
    if totals.checks_graded:
        line += Text(
            "; checks: {p} of {c} pass ({pct}%) in the {g} graded",
            "。チェック: 採点済みの {g} 件で {c} 件中 {p} 件合格({pct}%)",
        ).format(
            p=totals.checks_passing,
            c=totals.checks_graded,
            pct=percent(totals.checks_passing, totals.checks_graded),
            g=totals.graded,
        )(lang)
    if totals.edited:
        line += Text("; {e} edited since grading", "。採点後に編集あり {e} 件").format(e=totals.edited)(lang)
    return line


def quiz_totals_line(best: Mapping[int, tuple[float, float] | None], count: int, lang: str) -> str:
    """The line under the quiz table: quizzes taken and passed of ``count``, the average best score."""
    taken = [score for score in best.values() if score is not None]
    passed = sum(1 for score, total in taken if percent(score, total) >= QUIZ_PASS_FRACTION * 100)
    line = Text(
        "    Total: {t} of {n} quizzes taken, {p} passed ({mark}% or more)",
        "    合計: 確認テスト {n} 件中 {t} 件受験、{p} 件合格({mark}% 以上)",
    ).format(t=len(taken), n=count, p=passed, mark=round(QUIZ_PASS_FRACTION * 100))(lang)
    if taken:
        average = sum(min(1.0, max(0.0, score / total)) for score, total in taken) / len(taken)
        line += Text("; average best score {a}%", "。最高得点の平均 {a}%").format(a=percent(average, 1.0))(lang)
    return line


def quiz_verdict(score: float, total: float) -> tuple[Text, str]:
    """``passed`` / ``not passed yet`` for a best score, and its tone."""
    if percent(score, total) >= QUIZ_PASS_FRACTION * 100:
        return Text("passed", "合格"), "passed"
    return Text("not passed yet", "未合格"), "partial"


# --- damaged files ---------------------------------------------------------------------------------------


def damaged_state_files(workspace: Path, numbers: Sequence[int]) -> list[Path]:
    """The result files under ``.grade/results/`` that exist but can not be read as a result.

    ``grade list`` shows such an exercise as not attempted; this names the file,
    so the learner knows why and that grading again replaces it.
    """
    damaged = []
    for number in numbers:
        path = state_folder(workspace) / "results" / f"ex{number:02d}.json"
        if not os.path.lexists(path):
            continue
        record = read_state(path)
        if not isinstance(record, dict) or not isinstance(record.get("checks"), list):
            damaged.append(path)
    return damaged


def damaged_warning(file: str, number: int, lang: str) -> str:
    """One line for stderr about a result file that can not be read."""
    return Text(
        "grade: {file} can not be read (damaged or edited); exercise {n} shows as not attempted "
        "until it is graded again: grade exercise {n}",
        "grade: {file} を読めません(破損または編集されています)。課題 {n} は再び採点するまで未着手と表示します: "
        "grade exercise {n}",
    ).format(file=shown_name(file, 200), n=number)(lang)


def damaged_attempts(progress: Path) -> list[Path]:
    """The quiz attempt files (``.grade/quiz-attempts/NN-*.json``) that can not be read as an attempt."""
    from grader.quiz.attempts import ATTEMPTS_FOLDER  # the quiz bank imports NumPy: not on the way to a grading

    folder = Path(progress) / ATTEMPTS_FOLDER
    damaged = []
    for path in sorted(folder.glob("[0-9][0-9]-*.json")):
        record = read_state(path)
        if not isinstance(record, dict) or not isinstance(record.get("questions"), list):
            damaged.append(path)
    return damaged


def damaged_attempt_warning(file: str, lang: str) -> str:
    """One line for stderr about a quiz attempt file that can not be read."""
    return Text(
        "grade: {file} can not be read (damaged or edited); it is left out of the best scores. "
        "Move it away to silence this line",
        "grade: {file} を読めません(破損または編集されています)。最高得点には数えていません。"
        "このメッセージを消すにはファイルを移動してください",
    ).format(file=shown_name(file, 200))(lang)


# --- room for more ---------------------------------------------------------------------------------------


def extra_lines(lang: str, workspace: Path) -> list[str]:
    """Lines added at the end of ``grade list``: the one place another summary joins the listing.

    Today the spaced review's line (``review: 3 due today (41 scheduled)``);
    ``workspace`` is where the learner's progress is kept (the workspace, or the
    user's data folder outside one).
    """
    from grader.learner.review import review_line  # imports NumPy, and imports commands: not at module level

    return review_line(lang, workspace)
