"""The course file: parsing, every validation error, deadlines, the command line's overrides, lateness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.classroom.coursefile import (
    Course,
    CourseError,
    LatePolicy,
    lateness,
    parse_course,
    parse_deadline_option,
    parse_late_policy,
    read_course,
    with_overrides,
)

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = frozenset(range(1, 23))
TOKYO_END_OF_DEC_10 = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # 2026-12-11 00:00 +09:00


def course(text: str) -> Course:
    return parse_course(text, "course.toml", quizzes=QUIZZES)


# --- reading ------------------------------------------------------------------------------------


def test_the_example_course_file_reads():
    example = read_course(ROOT / "docs" / "instructors" / "examples" / "course.toml", quizzes=QUIZZES)
    assert example.late.kind == "per-day"
    assert example.counted is not None
    assert ("exercise", 1) in example.counted
    assert example.item("exercise", 3).canvas_id == "1234"


def test_weights_deadlines_due_and_policy():
    rules = course(
        """
timezone = "Europe/Berlin"
[late]
policy = "per-day"
penalty = 10
max_penalty = 30
[due]
exercises = [1, 3]
quizzes = [2]
[exercises.1]
weight = 2.5
deadline = "2026-12-10T23:59:00+09:00"
[exercises.3]
deadline = 2026-12-10
[quizzes.2]
weight = 0.5
canvas_id = 77
"""
    )
    assert rules.late == LatePolicy("per-day", 10.0, 30.0)
    assert rules.item("exercise", 1).weight == 2.5
    assert rules.item("exercise", 1).deadline == datetime(2026, 12, 10, 14, 59, tzinfo=UTC)
    # a date alone: 24:00 of that day in the course's timezone (Berlin is +01:00 in December)
    assert rules.item("exercise", 3).deadline == datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
    assert rules.item("exercise", 3).weight == 1.0
    assert rules.item("quiz", 2).canvas_id == "77"
    assert rules.counts("exercise", 3)
    assert rules.counts("quiz", 2)
    assert not rules.counts("exercise", 2)  # listed nowhere in [due]: shown, not counted
    assert not rules.counts("quiz", 1)


def test_the_default_timezone_is_tokyo():
    rules = course("[exercises.1]\ndeadline = '2026-12-10'\n")
    assert rules.timezone == "Asia/Tokyo"
    assert rules.item("exercise", 1).deadline == TOKYO_END_OF_DEC_10


def test_without_due_the_listed_items_count_and_without_items_everything_does():
    listed = course("[exercises.2]\nweight = 1\n[quizzes.1]\nweight = 3\n")
    assert listed.counted == frozenset({("exercise", 2), ("quiz", 1)})
    assert not listed.counts("exercise", 1)
    assert course('[late]\npolicy = "cutoff"\n').counted is None
    assert Course().counts("exercise", 14)


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("colour = 'blue'\n", "colour", "'blue'"),
        ("[exercises.1]\nweigth = 2\n", "exercises.1.weigth", "2"),
        ("[late]\npolicy = 'per-week'\n", "late.policy", "'per-week'"),
        ("[late]\npolicy = 'per-day'\n", "late.penalty", "None"),
        ("[late]\npolicy = 'cutoff'\npenalty = 10\n", "late.penalty", "10"),
        ("[late]\npolicy = 'per-day'\npenalty = 120\n", "late.penalty", "120"),
        ("[late]\npolicy = 'per-day'\npenalty = '10%'\n", "late.penalty", "'10%'"),
        ("[exercises.15]\nweight = 1\n", "exercises.15", "'15'"),
        ("[exercises.zero]\nweight = 1\n", "exercises.zero", "'zero'"),
        ("[quizzes.99]\nweight = 1\n", "quizzes.99", "'99'"),
        ("[exercises.1]\nweight = -1\n", "exercises.1.weight", "-1"),
        ("[exercises.1]\nweight = true\n", "exercises.1.weight", "True"),
        ("[exercises.1]\nweight = nan\n", "exercises.1.weight", "nan"),
        ("[exercises.1]\nweight = inf\n", "exercises.1.weight", "inf"),
        ("[exercises.1]\nweight = 1e308\n", "exercises.1.weight", "1e+308"),
        ("[exercises.1]\nweight = 1" + "0" * 400 + "\n", "exercises.1.weight", "1" + "0" * 59 + "..."),
        ("[exercises.1]\ndeadline = 9999-12-31\n", "exercises.1.deadline", "9999-12-31"),
        ("[exercises.1]\ndeadline = 0001-01-01T00:00:00+14:00\n", "exercises.1.deadline", "0001-01-01T00:00:00+14:00"),
        ('timezone = "Asia/Tokyo\\u0000"\n', "timezone", "'Asia/Tokyo\\x00'"),
        ("[exercises.1]\nweight = 0\n[quizzes.1]\nweight = 0\n", "weight", "0"),
        ("[due]\nexercises = [1]\n[exercises.1]\nweight = 0\n[exercises.2]\nweight = 4\n", "weight", "0"),
        ("[due]\nexercises = [20]\n", "due.exercises", "'20'"),
        ("[due]\nexercises = '1-3'\n", "due.exercises", "'1-3'"),
        ("[due]\nhomework = [1]\n", "due.homework", "[1]"),
        ("[exercises.1]\ndeadline = '2026-12-10T23:59'\n", "exercises.1.deadline", "'2026-12-10T23:59'"),
        ("[exercises.1]\ndeadline = 2026-12-10T23:59:00\n", "exercises.1.deadline", "2026-12-10T23:59:00"),
        ("[exercises.1]\ndeadline = '10/12/2026'\n", "exercises.1.deadline", "'10/12/2026'"),
        ("[exercises.1]\ndeadline = '2026-02-30'\n", "exercises.1.deadline", "'2026-02-30'"),
        ("[exercises.1]\ndeadline = 20261210\n", "exercises.1.deadline", "20261210"),
        ("timezone = 'Asia/Osaka'\n", "timezone", "'Asia/Osaka'"),
        ("timezone = '../../etc/passwd'\n", "timezone", "'../../etc/passwd'"),
        ("timezone = 9\n", "timezone", "9"),
        ("[exercises.1]\ncanvas_id = 'abc'\n", "exercises.1.canvas_id", "'abc'"),
        ("exercises = [1, 2]\n", "exercises", "[1, 2]"),
    ],
    ids=lambda value: value if len(value) < 30 else None,
)
def test_a_wrong_course_file_names_the_file_the_key_and_the_value(text, key, value):
    with pytest.raises(CourseError) as raised:
        course(text)
    message = str(raised.value)
    assert message.startswith(f"course.toml: {key} = {value}: "), message
    assert raised.value.ja.startswith(f"course.toml: {key} = {value}: ")
    assert raised.value.exit_code == 2


def test_not_toml_not_utf8_too_big_and_missing(tmp_path):
    with pytest.raises(CourseError, match=r"^course.toml: not valid TOML"):
        course("[exercises.1\n")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("# caf\xe9\n".encode("latin-1"))
    with pytest.raises(CourseError, match=r"latin1.toml: not UTF-8"):
        read_course(bad, quizzes=QUIZZES)
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (1 << 20) + b"\n")
    with pytest.raises(CourseError, match="larger than 1 MiB"):
        read_course(big, quizzes=QUIZZES)
    with pytest.raises(CourseError, match="no course file at"):
        read_course(tmp_path / "none.toml", quizzes=QUIZZES)
    with pytest.raises(CourseError, match="nested too deep|not valid TOML"):
        course("x = " + "[" * 100_000 + "]" * 100_000 + "\n")


# --- the command line ---------------------------------------------------------------------------


def test_deadline_options_for_exercises_and_quizzes():
    item = parse_deadline_option("3=2026-12-10T23:59+09:00", "Asia/Tokyo", quizzes=QUIZZES)
    assert (item.kind, item.number, item.deadline) == ("exercise", 3, datetime(2026, 12, 10, 14, 59, tzinfo=UTC))
    quiz = parse_deadline_option("q2=2026-12-10", "Asia/Tokyo", quizzes=QUIZZES)
    assert (quiz.kind, quiz.number, quiz.deadline) == ("quiz", 2, TOKYO_END_OF_DEC_10)
    rules = with_overrides(course("[exercises.3]\nweight = 2\n"), deadlines=[item, quiz], late=LatePolicy("cutoff"))
    assert rules.item("exercise", 3).weight == 2  # the file's weight stays, the deadline is the option's
    assert rules.item("exercise", 3).deadline == item.deadline
    assert rules.late.kind == "cutoff"
    assert rules.counted == frozenset({("exercise", 3)})  # a deadline given does not make a quiz count


@pytest.mark.parametrize(
    "value", ["3", "=2026-12-10", "3=", "15=2026-12-10", "q99=2026-12-10", "3=tomorrow", "3=2026-12-10T10:00"]
)
def test_a_wrong_deadline_option_is_a_usage_error(value):
    with pytest.raises(CourseError, match="--deadline"):
        parse_deadline_option(value, "Asia/Tokyo", quizzes=QUIZZES)


def test_late_policy_options():
    assert parse_late_policy("none") == LatePolicy("none")
    assert parse_late_policy("cutoff") == LatePolicy("cutoff")
    assert parse_late_policy("per-day:10") == LatePolicy("per-day", 10.0, 100.0)
    assert parse_late_policy("per-day:12.5:50") == LatePolicy("per-day", 12.5, 50.0)
    for wrong in ("per-day", "per-day:-5", "per-day:nan", "per-day:10:200", "weekly", "cutoff:3", ""):
        with pytest.raises(CourseError, match="--late-policy"):
            parse_late_policy(wrong)


# --- lateness at the boundaries -----------------------------------------------------------------

DEADLINE = datetime(2026, 12, 10, 14, 59, tzinfo=UTC)
PER_DAY = LatePolicy("per-day", 10.0, 25.0)


def stamp(moment: datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize(
    ("after", "days", "none", "per_day", "cutoff"),
    [
        (timedelta(0), 0, 0.0, 0.0, 0.0),
        (timedelta(seconds=-1), 0, 0.0, 0.0, 0.0),
        (timedelta(seconds=1), 1, 0.0, 0.10, 1.0),
        (timedelta(microseconds=1), 1, 0.0, 0.10, 1.0),
        (timedelta(days=1), 1, 0.0, 0.10, 1.0),
        (timedelta(days=1, seconds=1), 2, 0.0, 0.20, 1.0),
        (timedelta(days=2, seconds=1), 3, 0.0, 0.25, 1.0),  # the 25 % maximum
        (timedelta(days=400), 400, 0.0, 0.25, 1.0),
    ],
    ids=["at", "before", "1s", "1us", "1d", "1d1s", "2d1s-max", "400d"],
)
def test_every_policy_at_the_boundaries(after, days, none, per_day, cutoff):
    submitted = stamp(DEADLINE + after)
    for policy, penalty in ((LatePolicy("none"), none), (PER_DAY, per_day), (LatePolicy("cutoff"), cutoff)):
        found = lateness(submitted, DEADLINE, policy)
        assert found.state == ("late" if days else "on-time")
        assert found.days == days
        assert found.penalty == pytest.approx(penalty)


def test_a_time_in_another_offset_is_the_same_instant():
    # 23:59:00+09:00 is exactly the deadline; 15:59:01+01:00 is 1 s after it
    assert lateness("2026-12-10T23:59:00+09:00", DEADLINE, PER_DAY).state == "on-time"
    assert lateness("2026-12-10T15:59:01+01:00", DEADLINE, PER_DAY).days == 1
    assert lateness("2026-12-10T14:59:01", DEADLINE, PER_DAY).days == 1  # no offset: UTC, as batch records


def test_an_unknown_time_is_never_late_and_no_deadline_is_never_anything():
    for missing in (None, "", "yesterday", "2026-13-40T00:00:00"):
        found = lateness(missing, DEADLINE, LatePolicy("cutoff"))
        assert (found.state, found.penalty) == ("unknown", 0.0)
        assert found.text().en == "time unknown"
        assert found.text().ja == "提出時刻不明"
    assert lateness("2030-01-01T00:00:00+00:00", None, LatePolicy("cutoff")).state == "no-deadline"
    # recorded times at the edges of what datetime holds compare without an OverflowError
    assert lateness("0001-01-01T00:00:00+14:00", DEADLINE, PER_DAY).state == "on-time"
    assert lateness("9999-12-31T23:59:59-23:59", DEADLINE, PER_DAY).penalty == 0.25


def test_a_date_deadline_in_a_timezone_with_daylight_saving_time():
    # New York moves to EDT (-04:00) on 2026-03-08: the end of that day is 04:00 UTC on the 9th, not 05:00
    rules = course("timezone = 'America/New_York'\n[late]\npolicy = 'cutoff'\n[exercises.1]\ndeadline = 2026-03-08\n")
    deadline = rules.item("exercise", 1).deadline
    assert deadline == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert lateness("2026-03-09T00:00:00-04:00", deadline, rules.late).state == "on-time"
    assert lateness("2026-03-09T04:30:00+00:00", deadline, rules.late).state == "late"
    # in winter the same day ends at 05:00 UTC
    winter = course("timezone = 'America/New_York'\n[exercises.1]\ndeadline = 2026-01-08\n")
    assert winter.item("exercise", 1).deadline == datetime(2026, 1, 9, 5, 0, tzinfo=UTC)
    # days are 24 h of elapsed time: the 23-hour calendar day of the change is 1 day late, not 0 or 2
    spring = course("timezone = 'America/New_York'\n[exercises.1]\ndeadline = '2026-03-07T23:59-05:00'\n")
    late = lateness("2026-03-08T23:59:00-04:00", spring.item("exercise", 1).deadline, PER_DAY)
    assert late.days == 1


def test_lateness_texts_in_both_languages():
    late = lateness(stamp(DEADLINE + timedelta(days=1, seconds=1)), DEADLINE, PER_DAY)
    assert late.text().en == "late 2 days (-20 %)"
    assert late.text().ja == "遅れ 2 日(-20 %)"
    cut = lateness(stamp(DEADLINE + timedelta(seconds=1)), DEADLINE, LatePolicy("cutoff"))
    assert cut.text().en == "late 1 day (scored 0)"
    assert cut.text().ja == "遅れ 1 日(0 点)"
    marked = lateness(stamp(DEADLINE + timedelta(seconds=1)), DEADLINE, LatePolicy("none"))
    assert marked.text().en == "late 1 day"
    assert lateness(stamp(DEADLINE), DEADLINE, PER_DAY).text().ja == "期限内"
