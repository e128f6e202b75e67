"""The course file: weights, what is due so far, deadlines and the late policy (TOML).

``grade report --course course.toml`` reads it; ``docs/instructors/course.md``
documents it and ``docs/instructors/examples/course.toml`` is an example::

    timezone = "Asia/Tokyo"          # a date-only deadline ends at 24:00 of that day here

    [late]
    policy = "per-day"               # "none": marked only; "per-day": penalty; "cutoff": late work scores 0
    penalty = 10                     # percent per started day late (per-day only)
    max_penalty = 50                 # the most taken off, percent (per-day only; default 100)

    [due]                            # what counts toward the total so far (default: every item listed)
    exercises = [1, 2, 3]
    quizzes = [1, 2]

    [exercises.3]
    weight = 2                       # default 1; 0 shows the exercise without counting it
    deadline = "2026-12-10T23:59+09:00"
    canvas_id = 1234                 # the Canvas assignment's id, for the Canvas import file

Everything an instructor writes is checked: an unknown key, a wrong type, an
exercise or quiz that does not exist, a negative weight, weights of the counted
items that add up to 0, a deadline without a timezone, an unknown timezone: a
``CourseError`` names the file, the key and the value.

Lateness
--------
A submission is late when its time (``submitted_at``, the file's time as
``grade batch`` found it; a quiz attempt's ``finished`` time) is after the
deadline; exactly at the deadline is on time.  Days late are started periods of
24 hours (1 second late is 1 day, 24 h + 1 s is 2), counted in elapsed time, so
a change to or from daylight saving time does not make a day.  A submission
whose time is unknown (a gradebook of an older batch) is never late, and every
output says "time unknown".
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.classroom.gradebook import stored_moment
from grader.errors import UsageError
from grader.grading.engine import EXERCISES
from grader.text import Text

if TYPE_CHECKING:
    from grader.classroom.gradebook import Gradebook

DEFAULT_TIMEZONE = "Asia/Tokyo"
POLICIES = ("none", "per-day", "cutoff")
MAX_COURSE_BYTES = 1 << 20  # a course file is a page of settings, not a megabyte
MAX_WEIGHT = 1e6  # weights are relative; a larger one is a typo (and sums of 1e308 overflow)
YEARS = (1970, 9998)  # deadlines outside these years are typos (and 9999-12-31 has no next day)
KINDS = ("exercise", "quiz")
_TABLES = {"exercises": "exercise", "quizzes": "quiz"}
_TOP_KEYS = {"timezone", "late", "due", "exercises", "quizzes"}
_LATE_KEYS = {"policy", "penalty", "max_penalty"}
_ITEM_KEYS = {"weight", "deadline", "canvas_id"}
_ITEM = re.compile(r"^(ex|q)?0*(\d{1,4})$", re.IGNORECASE)


class CourseError(UsageError):
    """A course file, or a --deadline / --late-policy value, that can not be used (exit status 2)."""


@dataclass(frozen=True)
class LatePolicy:
    """What late work costs: ``none`` (marked only), ``per-day`` (percent per started day), ``cutoff`` (0)."""

    kind: str = "none"
    penalty: float = 0.0  # percent per started day late
    max_penalty: float = 100.0  # percent, the most taken off

    def describe(self) -> Text:
        """The policy in a few words, for the report's output and the feedback files."""
        if self.kind == "per-day":
            return Text(
                f"late work loses {self.penalty:g} % per started day late, at most {self.max_penalty:g} %",
                f"提出遅れは遅れた日(開始した日)ごとに {self.penalty:g} % 減点、最大 {self.max_penalty:g} %",
            )
        if self.kind == "cutoff":
            return Text("late work scores 0 (still shown)", "期限後の提出は 0 点(表示はされます)")
        return Text("late work is marked, not penalised", "提出遅れは表示のみで減点しません")


@dataclass(frozen=True)
class Item:
    """One exercise or quiz of the course file: its weight, deadline and Canvas assignment id."""

    kind: str  # "exercise" or "quiz"
    number: int
    weight: float = 1.0
    deadline: datetime | None = None  # aware
    canvas_id: str | None = None

    @property
    def label(self) -> Text:
        """``Exercise 3`` / ``課題 3``, ``Quiz 1`` / ``確認テスト 1``."""
        if self.kind == "exercise":
            return Text(f"Exercise {self.number}", f"課題 {self.number}")
        return Text(f"Quiz {self.number}", f"確認テスト {self.number}")


@dataclass(frozen=True)
class Course:
    """The rules a report grades by; ``Course()`` is the default: everything counts, weight 1, no deadlines."""

    timezone: str = DEFAULT_TIMEZONE
    late: LatePolicy = LatePolicy()
    items: Mapping[tuple[str, int], Item] = field(default_factory=dict)
    counted: frozenset[tuple[str, int]] | None = None  # None: every item in the gradebook counts
    source: str = ""  # where the rules came from, for the output
    text: str = ""  # the course file's TOML, as stored in the gradebook

    def item(self, kind: str, number: int) -> Item:
        """The course's item, or the default one (weight 1, no deadline)."""
        return self.items.get((kind, number)) or Item(kind, number)

    def counts(self, kind: str, number: int) -> bool:
        """Whether the item counts toward the total (is due so far)."""
        return self.counted is None or (kind, number) in self.counted


# --- reading ------------------------------------------------------------------------------------


def _fail(source: str, key: str, value: object, en: str, ja: str) -> CourseError:
    shown = _brief(value)
    return CourseError(f"{source}: {key} = {shown}: {en}", f"{source}: {key} = {shown}: {ja}")


def _brief(value: object) -> str:
    text = repr(value) if not isinstance(value, datetime | date) else value.isoformat()
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= 60 else text[:60] + "..."


def known_quizzes() -> frozenset[int]:
    """Quiz numbers of the course's bank: the ``NN-*.md`` file names in ``quizzes/en``."""
    from grader.quiz.bank import quiz_root

    folder = quiz_root() / "en"
    try:
        names = [path.name for path in folder.iterdir()]
    except OSError:
        return frozenset()
    return frozenset(int(match.group(1)) for name in names if (match := re.match(r"^(\d{1,4})-.*\.md$", name)))


def _timezone(source: str, value: object) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise _fail(source, "timezone", value, "a timezone is a name such as \"Asia/Tokyo\"",
                    "タイムゾーンは \"Asia/Tokyo\" のような名前で指定します")  # fmt: skip
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _fail(
            source, "timezone", value,
            "no such timezone; use an IANA name such as \"Asia/Tokyo\" or \"Europe/Berlin\"",
            "そのタイムゾーンはありません。\"Asia/Tokyo\" や \"Europe/Berlin\" のような IANA の名前を使ってください",
        ) from None  # fmt: skip


def parse_deadline(value: object, zone: ZoneInfo, source: str, key: str) -> datetime:
    """An aware deadline from a TOML date/datetime or an ISO 8601 string.

    A date alone means the end of that day in ``zone``: 24:00, i.e. 00:00 of the
    next day (work handed in at that instant is on time).  A time without a
    timezone is refused: the same text means different instants in Tokyo and in
    Berlin.
    """
    moment: date | datetime
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise _fail(
                source, key, value,
                "not an ISO 8601 time; write 2026-12-10T23:59+09:00, or 2026-12-10 for the end of that day",
                "ISO 8601 の日時ではありません。2026-12-10T23:59+09:00、その日の終わりなら 2026-12-10 と書いてください",
            ) from None  # fmt: skip
    elif isinstance(value, date | datetime):
        moment = value
    else:
        raise _fail(source, key, value, "a deadline is a date or a time with its timezone",
                    "期限は日付、またはタイムゾーン付きの日時で指定します")  # fmt: skip
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise _fail(source, key, value, f"a deadline lies between the years {YEARS[0]} and {YEARS[1]}",
                    f"期限は {YEARS[0]} 年から {YEARS[1]} 年の間です")  # fmt: skip
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise _fail(
                source, key, value,
                "a time needs its timezone (2026-12-10T23:59+09:00, or Z for UTC); a date alone ends at 24:00 in "
                "the course's timezone",
                "日時にはタイムゾーンが必要です(2026-12-10T23:59+09:00、UTC なら Z)。"
                "日付だけならコースのタイムゾーンの 24:00 が期限です",
            )  # fmt: skip
        return moment
    if isinstance(value, time):  # pragma: no cover - a TOML local time is not a date
        raise _fail(source, key, value, "a deadline needs a date", "期限には日付が必要です")
    return datetime.combine(moment + timedelta(days=1), time(0, 0), tzinfo=zone)


def _number(source: str, key: str, value: object, *, low: float = 0.0, high: float = MAX_WEIGHT) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(source, key, value, "a number is expected", "数値を指定してください")
    try:
        number = float(value)  # an integer of 400 digits does not fit
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _fail(source, key, value, "a finite number is expected", "有限の数値を指定してください")
    if not low <= number <= high:
        raise _fail(source, key, value, f"the value must be between {low:.10g} and {high:.10g}",
                    f"値は {low:.10g} 以上 {high:.10g} 以下にしてください")  # fmt: skip
    return number


def _item_number(source: str, key: str, text: object, kind: str, quizzes: frozenset[int]) -> int:
    match = _ITEM.match(str(text)) if isinstance(text, str | int) and not isinstance(text, bool) else None
    number = int(match.group(2)) if match else None
    known = frozenset(EXERCISES) if kind == "exercise" else quizzes
    if number is None or number not in known:
        listed = ", ".join(str(n) for n in sorted(known)) or "none"
        what, what_ja = ("exercise", "課題") if kind == "exercise" else ("quiz", "確認テスト")
        raise _fail(
            source, key, text,
            f"there is no {what} {text}; the {what}s are {listed}",
            f"{what_ja} {text} はありません。{what_ja}は {listed} です",
        )  # fmt: skip
    return number


def _unknown(source: str, table: str, entries: Mapping[str, object], allowed: set[str]) -> None:
    for key, value in entries.items():
        if key not in allowed:
            where = f"{table}.{key}" if table else key
            raise _fail(
                source, where, value,
                f"unknown key; the keys here are {', '.join(sorted(allowed))} (see docs/instructors/course.md)",
                f"不明なキーです。使えるキーは {', '.join(sorted(allowed))} です(docs/instructors/course.md を参照)",
            )  # fmt: skip


def _late_policy(source: str, late: object) -> LatePolicy:
    if not isinstance(late, dict):
        raise _fail(source, "late", late, "[late] is a table", "[late] はテーブルです")
    _unknown(source, "late", late, _LATE_KEYS)
    policy = late.get("policy", "none")
    if policy not in POLICIES:
        raise _fail(source, "late.policy", policy, f"the policies are {', '.join(POLICIES)}",
                    f"方式は {', '.join(POLICIES)} のいずれかです")  # fmt: skip
    if policy != "per-day" and ("penalty" in late or "max_penalty" in late):
        key = "penalty" if "penalty" in late else "max_penalty"
        raise _fail(source, f"late.{key}", late[key], 'a penalty applies only to policy = "per-day"',
                    'penalty は policy = "per-day" のときだけ使えます')  # fmt: skip
    if policy == "per-day" and "penalty" not in late:
        raise _fail(source, "late.penalty", None, 'policy = "per-day" needs penalty (percent per day)',
                    'policy = "per-day" には penalty(1 日あたりの減点 %)が必要です')  # fmt: skip
    penalty = _number(source, "late.penalty", late.get("penalty", 0), high=100)
    most = _number(source, "late.max_penalty", late.get("max_penalty", 100), high=100)
    return LatePolicy(policy, penalty, most)


def _items(source: str, data: dict, zone: ZoneInfo, quizzes: frozenset[int]) -> dict[tuple[str, int], Item]:
    items: dict[tuple[str, int], Item] = {}
    for table, kind in _TABLES.items():
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            raise _fail(source, table, entries, f"[{table}] is a table of [{table}.N] tables",
                        f"[{table}] は [{table}.N] のテーブルです")  # fmt: skip
        for name, entry in entries.items():
            number = _item_number(source, f"{table}.{name}", name, kind, quizzes)
            key = f"{table}.{name}"
            if not isinstance(entry, dict):
                raise _fail(source, key, entry, f"write [{table}.{name}] with weight, deadline, canvas_id",
                            f"[{table}.{name}] に weight, deadline, canvas_id を書いてください")  # fmt: skip
            _unknown(source, key, entry, _ITEM_KEYS)
            weight = _number(source, f"{key}.weight", entry.get("weight", 1.0))
            deadline = None
            if "deadline" in entry:
                deadline = parse_deadline(entry["deadline"], zone, source, f"{key}.deadline")
            canvas_id = entry.get("canvas_id")
            if canvas_id is not None:
                if isinstance(canvas_id, bool) or not re.fullmatch(r"\d{1,20}", str(canvas_id)):
                    raise _fail(source, f"{key}.canvas_id", canvas_id,
                                "a Canvas assignment id is its number (from the assignment's URL)",
                                "Canvas の課題 ID は数字です(課題の URL にあります)")  # fmt: skip
                canvas_id = str(canvas_id)
            if (kind, number) in items:
                raise _fail(source, key, name, f"{kind} {number} is listed twice", f"{number} が二度指定されています")
            items[(kind, number)] = Item(kind, number, weight, deadline, canvas_id)
    return items


def _due(source: str, due: object, quizzes: frozenset[int]) -> frozenset[tuple[str, int]]:
    if not isinstance(due, dict):
        raise _fail(source, "due", due, "[due] is a table with exercises = [...] and quizzes = [...]",
                    "[due] は exercises = [...] と quizzes = [...] のテーブルです")  # fmt: skip
    _unknown(source, "due", due, set(_TABLES))
    found = set()
    for table, kind in _TABLES.items():
        numbers = due.get(table, [])
        if not isinstance(numbers, list):
            raise _fail(source, f"due.{table}", numbers, "a list of numbers, e.g. [1, 2, 3]",
                        "[1, 2, 3] のような数の並びです")  # fmt: skip
        for value in numbers:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _fail(source, f"due.{table}", value, "a list of numbers, e.g. [1, 2, 3]",
                            "[1, 2, 3] のような数の並びです")  # fmt: skip
            found.add((kind, _item_number(source, f"due.{table}", str(value), kind, quizzes)))
    return frozenset(found)


def parse_course(text: str, source: str, *, quizzes: frozenset[int] | None = None) -> Course:
    """The ``Course`` a course file's TOML text describes; ``CourseError`` naming ``source`` when it is wrong.

    Parameters
    ----------
    text : str
        The TOML.
    source : str
        The file's name (or "the course stored in gradebook.sqlite"), quoted in errors.
    quizzes : frozenset of int, optional
        The quiz numbers that exist (default: the course's quiz bank).
    """
    quizzes = known_quizzes() if quizzes is None else quizzes
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise CourseError(
            f"{source}: not valid TOML ({problem}); see docs/instructors/examples/course.toml",
            f"{source}: TOML として読めません({problem})。docs/instructors/examples/course.toml を参照してください",
        ) from None
    except RecursionError:
        raise CourseError(f"{source}: nested too deep to be a course file", f"{source}: 入れ子が深すぎます") from None
    _unknown(source, "", data, _TOP_KEYS)
    zone = _timezone(source, data.get("timezone", DEFAULT_TIMEZONE))
    late = _late_policy(source, data.get("late", {}))
    items = _items(source, data, zone, quizzes)
    counted: frozenset[tuple[str, int]] | None = None
    if data.get("due") is not None:
        counted = _due(source, data["due"], quizzes)
    elif items:
        counted = frozenset(items)
    if counted is not None:
        total = sum((items.get(key) or Item(*key)).weight for key in counted)
        if total <= 0:
            raise _fail(
                source, "weight", 0,
                "the weights of the items that count add up to 0, so there is no total; give one a weight above 0",
                "合計に数える項目の重みの和が 0 で、合計点を出せません。どれかの重みを 0 より大きくしてください",
            )  # fmt: skip
    return Course(
        timezone=zone.key,
        late=late,
        items=items,
        counted=counted,
        source=source,
        text=text,
    )


def read_course(path: Path, *, quizzes: frozenset[int] | None = None) -> Course:
    """Read and check the course file at ``path`` (UTF-8 TOML, at most 1 MiB)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise CourseError(f"no course file at {path}", f"{path} にコースファイルがありません")
        with path.open("rb") as handle:
            data = handle.read(MAX_COURSE_BYTES + 1)
    except OSError as problem:
        raise CourseError(f"{path}: can not be read ({problem.strerror})", f"{path}: 読めません") from None
    if len(data) > MAX_COURSE_BYTES:
        raise CourseError(f"{path}: larger than 1 MiB; is it the course file?", f"{path}: 1 MiB を超えています")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise CourseError(
            f"{path}: not UTF-8 (byte {problem.start}); save it as UTF-8",
            f"{path}: UTF-8 ではありません(バイト {problem.start})。UTF-8 で保存してください",
        ) from None
    return parse_course(text, str(path), quizzes=quizzes)


# --- the command line's overrides ---------------------------------------------------------------


def parse_late_policy(value: str) -> LatePolicy:
    """``--late-policy``: ``none``, ``cutoff``, ``per-day:PERCENT`` or ``per-day:PERCENT:MAX``."""
    parts = value.strip().split(":")
    bad = CourseError(
        f"--late-policy {value!r}: write none, cutoff, per-day:10 (10 % per started day) or per-day:10:50 "
        "(at most 50 %)",
        f"--late-policy {value!r}: none、cutoff、per-day:10(1 日ごとに 10 %)、per-day:10:50(最大 50 %)の"
        "いずれかで指定します",
    )
    if parts[0] in ("none", "cutoff") and len(parts) == 1:
        return LatePolicy(parts[0])
    if parts[0] != "per-day" or len(parts) not in (2, 3):
        raise bad
    try:
        numbers = [float(part) for part in parts[1:]]
    except ValueError:
        raise bad from None
    if not all(math.isfinite(number) and 0 <= number <= 100 for number in numbers):
        raise bad
    return LatePolicy("per-day", numbers[0], numbers[1] if len(numbers) == 2 else 100.0)


def parse_deadline_option(value: str, zone: str, *, quizzes: frozenset[int] | None = None) -> Item:
    """``--deadline N=TIME`` (exercise N) or ``qN=TIME`` (quiz N): an ``Item`` with only the deadline."""
    source = "--deadline"
    name, sep, when = value.partition("=")
    name = name.strip()
    if not sep or not name or not when.strip():
        raise CourseError(
            f"--deadline {value!r}: write N=TIME for exercise N or qN=TIME for quiz N, "
            "e.g. --deadline 3=2026-12-10T23:59+09:00 or --deadline q1=2026-12-10",
            f"--deadline {value!r}: 課題 N は N=日時、確認テスト N は qN=日時 と書きます"
            "(例: --deadline 3=2026-12-10T23:59+09:00、--deadline q1=2026-12-10)",
        )
    kind = "quiz" if name.lower().startswith("q") else "exercise"
    quizzes = known_quizzes() if quizzes is None and kind == "quiz" else (quizzes or frozenset())
    number = _item_number(source, name, name, kind, quizzes)
    deadline = parse_deadline(when, ZoneInfo(zone), source, name)
    return Item(kind, number, deadline=deadline)


def with_overrides(course: Course, *, deadlines: Iterable[Item] = (), late: LatePolicy | None = None) -> Course:
    """``course`` with the command line's deadlines and late policy put over the file's (this run only)."""
    items = dict(course.items)
    for given in deadlines:
        key = (given.kind, given.number)
        items[key] = replace(items.get(key) or Item(*key), deadline=given.deadline)
    return replace(course, items=items, late=late or course.late)


# --- lateness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    """How late one submission or attempt was, and what it costs under the policy.

    ``state`` is ``no-deadline``, ``unknown`` (the time was not recorded), ``on-time`` or ``late``.
    """

    state: str
    days: int = 0
    penalty: float = 0.0  # the fraction of the score taken off, 0..1
    submitted: datetime | None = None

    @property
    def late(self) -> bool:
        """True when handed in after the deadline."""
        return self.state == "late"

    def text(self) -> Text:
        """``late 2 days (-20 %)``, ``on time``, ``time unknown``, or empty (no deadline)."""
        if self.state == "unknown":
            return Text("time unknown", "提出時刻不明")
        if self.state == "on-time":
            return Text("on time", "期限内")
        if self.state != "late":
            return Text("", "")
        days = Text(f"{self.days} day" + ("s" if self.days != 1 else ""), f"{self.days} 日")
        if self.penalty >= 1.0:
            cost = Text(" (scored 0)", "(0 点)")
        elif self.penalty > 0:
            cost = Text(f" (-{100 * self.penalty:g} %)", f"(-{100 * self.penalty:g} %)")
        else:
            cost = Text("", "")
        return Text(f"late {days.en}{cost.en}", f"遅れ {days.ja}{cost.ja}")


def submitted_moment(stamp: str | None) -> datetime | None:
    """The instant of a recorded time (ISO 8601; no timezone means UTC); None when there is none or it is not one."""
    return stored_moment(stamp.strip()) if isinstance(stamp, str) else None


def lateness(stamp: str | None, deadline: datetime | None, policy: LatePolicy) -> Lateness:
    """How late a submission made at ``stamp`` is for ``deadline`` under ``policy``.

    Exactly at the deadline is on time; every started 24 hours after it is a day late.
    """
    if deadline is None:
        return Lateness("no-deadline")
    moment = submitted_moment(stamp)
    if moment is None:
        return Lateness("unknown")
    try:
        delta = moment - deadline
    except OverflowError:  # a recorded time near year 1 or 9999 in an extreme offset
        return Lateness("unknown")
    if delta <= timedelta(0):
        return Lateness("on-time", submitted=moment)
    days = delta.days + (1 if delta.seconds or delta.microseconds else 0)
    if policy.kind == "cutoff":
        penalty = 1.0
    elif policy.kind == "per-day":
        penalty = min(days * policy.penalty, policy.max_penalty) / 100
    else:
        penalty = 0.0
    return Lateness("late", days, penalty, moment)


# --- which course a report uses -------------------------------------------------------------------

STORED_KEY = "course"  # the gradebook setting holding the course file's TOML text
STORED_FILE_KEY = "course_file"  # and the name of the file it came from


def course_for_report(
    gradebook: Gradebook,
    settings: Mapping[str, str],
    given: Course | None,
    *,
    deadlines: Iterable[str] = (),
    late_policy: str | None = None,
    quizzes: frozenset[int] | None = None,
) -> tuple[Course, Text]:
    """The course a report grades by, and a line that says which one it is.

    ``given`` (``--course``) is stored in the gradebook (settings ``course`` and
    ``course_file``) so that a later report without ``--course`` uses the same
    rules; without it, the stored course; without one, the default (every item
    counts with weight 1, no deadlines).  ``--deadline`` and ``--late-policy``
    go over it for this run only and are not stored.
    """
    if given is not None:
        course = given
        said = Text(
            f"course: {given.source} (stored in the gradebook: later reports use it without --course)",
            f"コース: {given.source}(成績簿に保存しました。次回から --course なしでも使われます)",
        )
    elif settings.get(STORED_KEY) is not None:
        name = settings.get(STORED_FILE_KEY) or "?"
        course = parse_course(
            settings[STORED_KEY], f"the course stored in {gradebook.path} (from {name})", quizzes=quizzes
        )
        said = Text(
            f"course: as stored in {gradebook.path} (from {name}); --course FILE replaces it",
            f"コース: {gradebook.path} に保存されたもの({name} から)。--course FILE で置き換えられます",
        )
    else:
        course = Course(source="")
        said = Text(
            "course: none (every exercise and quiz counts with weight 1, no deadlines); see --course",
            "コース: なし(すべての課題と確認テストを重み 1 で数え、期限なし)。--course を参照",
        )
    late = parse_late_policy(late_policy) if late_policy else None
    items = [parse_deadline_option(value, course.timezone, quizzes=quizzes) for value in deadlines]
    # the overrides are checked before anything is stored: a typo in one leaves the gradebook as it was
    if given is not None and (settings.get(STORED_KEY) != given.text or settings.get(STORED_FILE_KEY) != given.source):
        gradebook.set_settings({STORED_KEY: given.text, STORED_FILE_KEY: given.source})
    if items or late:
        course = with_overrides(course, deadlines=items, late=late)
        given_now = ", ".join(
            [f"--deadline {value}" for value in deadlines] + ([f"--late-policy {late_policy}"] if late else [])
        )
        said = Text(f"{said.en}; this run only: {given_now}", f"{said.ja}。今回のみ: {given_now}")
    return course, Text(f"{said.en}; {course.late.describe().en}", f"{said.ja}。{course.late.describe().ja}")
