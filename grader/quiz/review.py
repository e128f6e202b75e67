"""Spaced review across every quiz: the SM-2 algorithm of SuperMemo 2 (Wozniak 1990).

P. A. Wozniak, *Optimization of learning*, Master's thesis, Poznan University
of Technology, 1990; chapter 3.2, "Application of a computer to improve the
results obtained in working with the SuperMemo method"
(https://super-memory.com/english/ol/sm2.htm).  Per question, with the
repetition count n (0 for a new question), the E-Factor EF (2.5 for a new
question) and the last interval I in days::

    quality q      5 right within FAST_SECONDS, 4 right, 2 wrong (SM-2's 0-5 scale)
    q >= 3         I = 1 when n == 0, 6 when n == 1, else ceil(I * EF); then n = n + 1
    q < 3          n = 0 and I = 1: the repetitions start from the beginning
    then           EF = max(1.3, EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)))
    next due       the learner's local date of the answer + I days

So a question answered right every time (q = 4, EF stays 2.5) comes back
after 1, 6, 15, 38, 95 ... days.  The E-Factor is updated after every answer,
wrong ones included ("without changing the E-Factor" in the paper means it is
not reset to 2.5).  Step 6 of SM-2 (repeat the same day what scored below 4)
is not done: the explanation has just been shown, and a wrong answer is due
again the next day.  An answer given before its question is due (a second run
of ``grade quiz`` the same day) can only set it back: a wrong one restarts it,
a right one leaves its schedule unchanged, since SM-2 schedules a repetition
at its due date and not before.  An interval is at most ``MAX_INTERVAL_DAYS``.

The schedule is one JSON file next to the quiz attempts,
``<workspace>/.grade/review.json`` (or the user's data folder's ``.grade/``)::

    {"format": 1, "questions": {"3/forward-difference": {"repetitions": 2, "ease": 2.5,
        "interval": 6, "due": "2026-12-09", "reviewed": "2026-12-03T10:00:00+09:00"}}}

keyed ``<quiz number>/<question id>`` (both languages share the ids).  It is
written whole or not at all; a file that can not be read, or holds an entry
that is not a schedule, is set aside as ``review.json.damaged-<time>`` with a
message, and the entries that were sound are kept.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np

from grader.quiz.bank import Question, Quiz, option_order
from grader.quiz.terminal import HOW_TO_ANSWER, ask_question
from grader.statefile import read_state, write_state
from grader.text import Text

SCHEDULE_FILE = Path(".grade") / "review.json"
FORMAT = 1
INITIAL_EASE = 2.5
MINIMUM_EASE = 1.3
MAX_EASE = 10.0  # SM-2 has no ceiling; a hand-edited 1e308 must not overflow the dates
MAX_INTERVAL_DAYS = 36500
MAX_REPETITIONS = 100_000
FAST_SECONDS = 10.0
QUALITY_FAST, QUALITY_RIGHT, QUALITY_WRONG = 5, 4, 2
DEFAULT_LIMIT = 20
_KEY = re.compile(r"^(?P<quiz>[0-9]{1,3})/(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)$")
_MAX_KEY_LENGTH = 100


# --- the algorithm ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """The schedule of one question: SM-2's repetition count, E-Factor, interval (days) and due date."""

    quiz: int
    id: str
    repetitions: int = 0
    ease: float = INITIAL_EASE
    interval: int = 0
    due: date | None = None
    reviewed: str = ""

    @property
    def key(self) -> str:
        """``<quiz number>/<question id>``, the key in ``review.json``."""
        return f"{self.quiz}/{self.id}"


def quality(correct: bool, seconds: float | None = None) -> int:
    """SM-2's response quality (0-5) of one answer: 5 right and quick, 4 right, 2 wrong."""
    if not correct:
        return QUALITY_WRONG
    if seconds is not None and math.isfinite(seconds) and 0 <= seconds <= FAST_SECONDS:
        return QUALITY_FAST
    return QUALITY_RIGHT


def sm2(repetitions: int, ease: float, interval: int, quality: int) -> tuple[int, float, int]:
    """One SM-2 step: the new (repetitions, E-Factor, interval in days) after an answer of ``quality``.

    Parameters
    ----------
    repetitions : int
        Right answers in a row so far (0 for a new question).
    ease : float
        The E-Factor, at least 1.3 (2.5 for a new question).
    interval : int
        The last interval in days (0 for a new question).
    quality : int
        0-5; below 3 is a lapse.
    """
    if not 0 <= quality <= 5:
        raise ValueError(f"SM-2 quality is 0-5; got {quality}")
    if quality >= 3:
        if repetitions == 0:
            interval = 1
        elif repetitions == 1:
            interval = 6
        else:
            interval = math.ceil(interval * ease)
        repetitions += 1
    else:
        repetitions, interval = 0, 1
    ease = ease + (0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    ease = min(max(ease, MINIMUM_EASE), MAX_EASE)
    return min(repetitions, MAX_REPETITIONS), ease, max(1, min(interval, MAX_INTERVAL_DAYS))


def review(card: Card, correct: bool, seconds: float | None, now: datetime) -> Card:
    """``card`` after one answer given at ``now`` (an early right answer leaves it as it is)."""
    today = local_date(now)
    if correct and card.due is not None and card.due > today:
        return card
    repetitions, ease, interval = sm2(card.repetitions, card.ease, card.interval, quality(correct, seconds))
    return replace(
        card,
        repetitions=repetitions,
        ease=ease,
        interval=interval,
        due=today + timedelta(days=interval),
        reviewed=now.astimezone().isoformat(timespec="seconds"),
    )


def local_date(now: datetime) -> date:
    """The learner's local date at ``now`` (a naive ``now`` is taken as local time)."""
    return now.astimezone().date()


# --- the schedule file -------------------------------------------------------------------------------


@dataclass
class Schedule:
    """Every scheduled question by key, and what happened to a damaged file (``notice``)."""

    cards: dict[str, Card] = field(default_factory=dict)
    notice: Text | None = None


def _card(key: object, entry: object) -> Card | None:
    """The card an entry of ``review.json`` describes, or None when it is not a schedule."""
    if not isinstance(key, str) or len(key) > _MAX_KEY_LENGTH or not isinstance(entry, dict):
        return None
    matched = _KEY.match(key)
    if matched is None:
        return None
    repetitions, ease, interval = entry.get("repetitions"), entry.get("ease"), entry.get("interval")
    due, reviewed = entry.get("due"), entry.get("reviewed", "")
    whole = [value for value in (repetitions, interval) if isinstance(value, int) and not isinstance(value, bool)]
    if len(whole) < 2 or not 0 <= repetitions <= MAX_REPETITIONS or not 1 <= interval <= MAX_INTERVAL_DAYS:  # type: ignore[operator]
        return None
    if isinstance(ease, bool) or not isinstance(ease, int | float) or not MINIMUM_EASE <= ease <= MAX_EASE:
        return None
    if not isinstance(due, str) or len(due) != 10 or not isinstance(reviewed, str) or len(reviewed) > 40:
        return None
    try:
        due_date = date.fromisoformat(due)
    except ValueError:
        return None
    return Card(int(matched["quiz"]), matched["id"], repetitions, float(ease), interval, due_date, reviewed)  # type: ignore[arg-type]


def schedule_path(workspace: Path) -> Path:
    """Where the schedule of ``workspace`` (a workspace or the user's data folder) is kept."""
    return Path(workspace) / SCHEDULE_FILE


def load_schedule(workspace: Path, *, set_aside: bool = True, now: datetime | None = None) -> Schedule:
    """The schedule kept in ``workspace``; a damaged file is set aside (when ``set_aside``) with a notice.

    Without ``set_aside`` (``grade list``) nothing is moved and the notice says what
    ``grade review`` will do.
    """
    path = schedule_path(workspace)
    if not os.path.lexists(path):
        return Schedule()
    data = read_state(path)
    entries = data.get("questions") if isinstance(data, dict) and data.get("format") == FORMAT else None
    cards: dict[str, Card] = {}
    damaged = not isinstance(entries, dict)
    for key, entry in (entries or {}).items():
        card = _card(key, entry)
        if card is None:
            damaged = True
        else:
            cards[card.key] = card
    if not damaged:
        return Schedule(cards)
    if not set_aside:
        return Schedule(
            cards,
            Text(
                "{path} is damaged; grade review sets it aside and keeps what it can read",
                "{path} が壊れています。grade review が別名で退避し、読める分だけ使います",
            ).format(path=path),
        )
    stamp = (now or datetime.now()).astimezone().strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    serial = 1
    while os.path.lexists(aside):  # damaged twice in a second: keep both
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{serial}")
        serial += 1
    try:
        path.replace(aside)
    except OSError as problem:
        return Schedule(
            cards,
            Text(
                "{path} is damaged and could not be set aside ({problem}); it is rewritten with the {count} "
                "question(s) that could be read",
                "{path} が壊れていて、退避もできませんでした({problem})。読めた {count} 問で書き直します",
            ).format(path=path, problem=problem.strerror or problem, count=len(cards)),
        )
    return Schedule(
        cards,
        Text(
            "Your review schedule {path} was damaged: set aside as {aside}; {count} question(s) could be read "
            "and are kept, the others start afresh.",
            "復習の予定 {path} が壊れていたため {aside} に退避しました。読めた {count} 問は引き継ぎ、"
            "ほかの問題は最初からやり直します。",
        ).format(path=path, aside=aside.name, count=len(cards)),
    )


def save_schedule(workspace: Path, schedule: Schedule) -> Path:
    """Write ``schedule`` to ``workspace``'s ``review.json`` (atomically) and return the path."""
    path = schedule_path(workspace)
    questions = {
        key: {
            "repetitions": card.repetitions,
            "ease": round(card.ease, 4),
            "interval": card.interval,
            "due": card.due.isoformat() if card.due else "",
            "reviewed": card.reviewed,
        }
        for key, card in sorted(schedule.cards.items(), key=lambda item: (item[1].quiz, item[1].id))
    }
    write_state(path, {"format": FORMAT, "questions": questions})
    return path


def record_answers(workspace: Path, quiz_number: int, answers: Iterable[dict], now: datetime | None = None) -> Schedule:
    """Count the ``answers`` given to quiz ``quiz_number`` as reviews, save and return the schedule.

    Every answered question enters the schedule (``grade quiz``, its ``--review``
    and ``grade review`` all count).  Raises ``OSError`` when the file can not be
    written.
    """
    now = now or datetime.now().astimezone()
    schedule = load_schedule(workspace, now=now)
    for answer in answers:
        key = f"{quiz_number}/{answer['id']}"
        card = schedule.cards.get(key) or Card(quiz_number, str(answer["id"]))
        seconds = answer.get("seconds")
        schedule.cards[key] = review(
            card, bool(answer["correct"]), seconds if isinstance(seconds, float) else None, now
        )
    save_schedule(workspace, schedule)
    return schedule


# --- what is due -----------------------------------------------------------------------------------


def known(schedule: Schedule, quizzes: dict[tuple[int, str], Quiz], lang: str) -> list[Card]:
    """The scheduled questions that are still in the bank (a removed question is skipped)."""
    ids = {(number, question.id) for (number, quiz_lang), quiz in quizzes.items() if quiz_lang == lang
           for question in quiz.questions}  # fmt: skip
    return [card for card in schedule.cards.values() if (card.quiz, card.id) in ids]


def due_cards(cards: Sequence[Card], today: date, rng: np.random.Generator) -> list[Card]:
    """The cards due by ``today``, oldest due first; the quizzes mixed among those due the same day."""
    due = [card for card in cards if card.due is not None and card.due <= today]
    ties = [int(tie) for tie in rng.permutation(len(due))]
    return [card for _, card in sorted(zip(ties, due, strict=True), key=lambda pair: (pair[1].due, pair[0]))]


def new_questions(schedule: Schedule, quizzes: dict[tuple[int, str], Quiz], lang: str, count: int) -> list[Card]:
    """``count`` questions never answered, in course order (quiz number, then the quiz's order)."""
    found: list[Card] = []
    for (number, quiz_lang), quiz in sorted(quizzes.items()):
        if quiz_lang != lang:
            continue
        for question in quiz.questions:
            if len(found) >= count:
                return found
            if f"{number}/{question.id}" not in schedule.cards:
                found.append(Card(number, question.id))
    return found


def next_due(cards: Iterable[Card]) -> date | None:
    """The earliest due date of ``cards``, None when there is none."""
    return min((card.due for card in cards if card.due is not None), default=None)


def due_counts(workspace: Path, now: datetime | None = None) -> tuple[int, int, Text | None]:
    """(due by today, scheduled, notice) from the schedule file alone, for ``grade list``."""
    schedule = load_schedule(workspace, set_aside=False)
    today = local_date(now or datetime.now().astimezone())
    due = sum(1 for card in schedule.cards.values() if card.due is not None and card.due <= today)
    return due, len(schedule.cards), schedule.notice


def when(day: date, today: date, lang: str) -> str:
    """``2026-12-04 (tomorrow)``, ``2026-12-10 (in 7 days)``, ``2026-12-03 (today)``, ``2026-12-01 (due now)``."""
    days = (day - today).days
    if days < 0:
        text = Text("{day} (due now)", "{day}(復習の時期を過ぎています)")
    elif days == 0:
        text = Text("{day} (today)", "{day}(今日)")
    elif days == 1:
        text = Text("{day} (tomorrow)", "{day}(明日)")
    else:
        text = Text("{day} (in {days} days)", "{day}({days} 日後)")
    return text.format(day=day.isoformat(), days=days)(lang)


# --- a session in the terminal ------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """What one ``grade review`` asked: the answers (each with its ``quiz``), and how many were planned."""

    answers: list[dict]
    planned: int


def run_review(
    plan: Sequence[Card],
    quizzes: dict[tuple[int, str], Quiz],
    lang: str,
    *,
    input: TextIO,
    output: TextIO,
    seed: int | None = None,
) -> Session:
    """Ask the questions of ``plan`` in its order, with ``grade quiz``'s asking code; stop on q or end of input."""
    questions: list[tuple[Quiz, Question]] = []
    for card in plan:
        quiz = quizzes[(card.quiz, lang)]
        questions.append((quiz, quiz.question(card.id)))
    output.write(
        Text("Review: {count} question(s), spaced by SM-2.", "復習: {count} 問(SM-2 で間隔を空けて出題)。").format(
            count=len(questions)
        )(lang)
        + "\n"
    )
    output.write(HOW_TO_ANSWER(lang) + "\n")
    answers: list[dict] = []
    for position, (quiz, question) in enumerate(questions, start=1):
        heading = Text("quiz {number}", "確認テスト {number}").format(number=quiz.number)(lang)
        order = option_order(question, seed, quiz.shuffle)
        answer = ask_question(
            question, order, lang, input=input, output=output, label=f"[{position}/{len(questions)}] ({heading})"
        )
        if answer is None:
            break
        answers.append({**answer, "quiz": quiz.number})
    output.write("\n")
    output.flush()
    return Session(answers, len(questions))
