"""grade review: SM-2 step by step, what is due across quizzes, a terminal session, damaged schedules, grade list."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import load_bank, option_order
from grader.quiz.review import (
    Card,
    Schedule,
    due_cards,
    known,
    load_schedule,
    quality,
    review,
    save_schedule,
    schedule_path,
    sm2,
)
from grader.quiz.terminal import LETTERS

GOOD = Path(__file__).resolve().parent / "quizzes_bad"
SEED = 3


@pytest.fixture
def bank(tmp_path, monkeypatch):
    """Two small quizzes (1 and 2, three questions each, the same ids) as the course's bank."""
    root = tmp_path / "bank"
    for lang in ("en", "ja"):
        (root / lang).mkdir(parents=True)
        for name in ("01-good.md", "02-again.md"):
            shutil.copy(GOOD / lang / "01-good.md", root / lang / name)
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(root))
    quizzes, errors = load_bank(root)
    assert not errors
    return quizzes


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A folder that is not a workspace, as the current folder; the data folder it uses."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return Path(os.environ["DLGRADE_DATA_DIR"])


@pytest.fixture
def tokyo(monkeypatch):
    """The learner's local time is Japan's (UTC+9)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def grade(*args: str, input: str = ""):
    return CliRunner().invoke(main, list(args), input=input)


def typed(quizzes, lang: str, keys: list[tuple[int, str]], wrong: set[tuple[int, str]] = frozenset()) -> str:
    """What a learner types to answer the questions ``keys`` in that order, right except ``wrong``."""
    lines = []
    for number, question_id in keys:
        quiz = quizzes[(number, lang)]
        question = quiz.question(question_id)
        bad = (number, question_id) in wrong
        if question.kind == "numeric":
            lines.append(str(question.answer + 1000 if bad else question.answer))
            continue
        order = option_order(question, SEED, quiz.shuffle)
        letters = [LETTERS[shown] for shown, index in enumerate(order) if question.options[index].correct != bad]
        lines.append(" ".join(letters[:1] if bad else letters))
    return "".join(line + "\n" for line in lines)


def asked(output: str) -> list[tuple[int, str]]:
    """The (quiz, question title) pairs a session showed, in order."""
    titles = {"Pick one": "pick-one", "Pick several": "pick-several", "A number": "a-number"}
    found = []
    for line in output.splitlines():
        if line.startswith("[") and "(quiz " in line:
            number = int(line.split("(quiz ")[1].split(")")[0])
            found.append((number, titles[line.split(") ", 1)[1]]))
    return found


# --- SM-2, step by step against the published algorithm ----------------------------------------


def test_sm2_right_every_time_gives_1_6_15_38_95_days():
    state, intervals = (0, 2.5, 0), []
    for _ in range(5):
        state = sm2(*state, quality=4)
        intervals.append(state[2])
    assert intervals == [1, 6, 15, 38, 95]  # 6 * 2.5 = 15, ceil(15 * 2.5) = 38, ceil(38 * 2.5) = 95
    assert state[:2] == (5, 2.5)  # q = 4 leaves the E-Factor as it is


def test_sm2_perfect_answers_raise_the_e_factor_and_round_intervals_up():
    steps = []
    state = (0, 2.5, 0)
    for _ in range(4):
        state = sm2(*state, quality=5)
        steps.append(state)
    # I(3) = ceil(6 * 2.7) = ceil(16.2) = 17 with the E-Factor before that answer; I(4) = ceil(17 * 2.8) = 48
    assert [(repetitions, interval) for repetitions, _, interval in steps] == [(1, 1), (2, 6), (3, 17), (4, 48)]
    assert [ease for _, ease, _ in steps] == pytest.approx([2.6, 2.7, 2.8, 2.9])


@pytest.mark.parametrize(
    ("q", "change"),
    [(5, 0.1), (4, 0.0), (3, -0.14), (2, -0.32), (1, -0.54), (0, -0.8)],
    ids=lambda value: str(value),
)
def test_sm2_e_factor_formula(q, change):
    # EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    assert sm2(3, 2.5, 15, q)[1] == pytest.approx(2.5 + change)


def test_sm2_a_lapse_restarts_the_repetitions_and_the_e_factor_stops_at_1_3():
    assert sm2(4, 2.5, 38, 2) == (0, pytest.approx(2.18), 1)
    assert sm2(4, 1.4, 38, 2) == (0, 1.3, 1)
    after = sm2(0, 2.18, 1, 4)
    assert after == (1, pytest.approx(2.18), 1)
    assert sm2(*after, quality=4)[2] == 6


def test_sm2_refuses_a_quality_outside_0_to_5_and_caps_the_interval():
    with pytest.raises(ValueError, match="0-5"):
        sm2(0, 2.5, 0, 6)
    assert sm2(50, 10.0, 36500, 5)[2] == 36500


@pytest.mark.parametrize(
    ("correct", "seconds", "expected"),
    [(False, 2.0, 2), (True, 3.0, 5), (True, 30.0, 4), (True, None, 4), (True, float("nan"), 4)],
)
def test_quality_from_the_answer_and_its_time(correct, seconds, expected):
    assert quality(correct, seconds) == expected


def test_due_dates_are_the_learners_local_dates(tokyo):
    late_evening_utc = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 08:30 on 4 December in Tokyo
    card = review(Card(1, "pick-one"), True, 30.0, late_evening_utc)
    assert card.due == date(2026, 12, 5)
    assert card.reviewed == "2026-12-04T08:30:00+09:00"


def test_an_answer_before_the_due_date_can_only_set_the_question_back():
    now = datetime(2026, 12, 3, 10, 0).astimezone()
    card = Card(1, "pick-one", repetitions=2, ease=2.5, interval=6, due=date(2026, 12, 8))
    assert review(card, True, 1.0, now) == card
    back = review(card, False, 1.0, now)
    assert (back.repetitions, back.interval, back.due) == (0, 1, date(2026, 12, 4))


# --- what is due ------------------------------------------------------------------------------------


def test_due_questions_oldest_first_mixed_across_quizzes_and_removed_ones_skipped(bank):
    today = date(2026, 12, 10)
    cards = {
        "1/pick-one": Card(1, "pick-one", due=date(2026, 12, 9)),
        "2/pick-one": Card(2, "pick-one", due=date(2026, 12, 1)),
        "1/a-number": Card(1, "a-number", due=date(2026, 12, 10)),
        "2/a-number": Card(2, "a-number", due=date(2026, 12, 10)),
        "2/pick-several": Card(2, "pick-several", due=date(2026, 12, 11)),  # tomorrow: not due
        "1/gone": Card(1, "gone", due=date(2026, 11, 1)),  # no longer in the quiz
        "9/pick-one": Card(9, "pick-one", due=date(2026, 11, 1)),  # no such quiz
    }
    present = known(Schedule(cards), bank, "en")
    assert {card.key for card in present} == set(cards) - {"1/gone", "9/pick-one"}
    due = due_cards(present, today, np.random.default_rng(0))
    assert [card.key for card in due[:2]] == ["2/pick-one", "1/pick-one"]
    assert {card.key for card in due[2:]} == {"1/a-number", "2/a-number"}
    orders = {tuple(card.key for card in due_cards(present, today, np.random.default_rng(seed))) for seed in range(8)}
    assert len(orders) == 2  # the two due the same day come in either order: the quizzes are mixed


# --- a session in the terminal ------------------------------------------------------------------------


def test_a_review_session_schedules_new_questions_then_asks_them_when_due(bank, elsewhere):
    first = [(1, "pick-one"), (1, "pick-several"), (1, "a-number"), (2, "pick-one")]
    result = grade("review", "--new", "4", "--seed", str(SEED), "--lang", "en", "--now", "2026-12-03T10:00",
                   input=typed(bank, "en", first, wrong={(1, "pick-several")}))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert asked(result.output) == first
    assert "σ(0)" in result.output  # the same asking code as grade quiz: Unicode math
    assert "Reviewed 4, 3 right." in result.output
    assert "Next due: 2026-12-04 (tomorrow); due by tomorrow: 4 of 4 scheduled." in result.output
    stored = json.loads(schedule_path(elsewhere).read_text(encoding="utf-8"))["questions"]
    assert stored["1/pick-several"]["ease"] == pytest.approx(2.18)
    assert {entry["due"] for entry in stored.values()} == {"2026-12-04"}
    assert not (Path.cwd() / ".grade").exists()  # outside a workspace: the data folder, never ./.grade

    result = grade("review", "--lang", "en", "--now", "2026-12-03T18:00")
    assert result.exit_code == 0, result.output
    assert "Nothing is due today. Next due: 2026-12-04 (tomorrow)." in result.output

    # all four are due on the 4th, in an order the seed fixes; --limit 2 asks the first two
    cards = known(load_schedule(elsewhere), bank, "en")
    again = [(card.quiz, card.id) for card in due_cards(cards, date(2026, 12, 4), np.random.default_rng(SEED))[:2]]
    result = grade("review", "--limit", "2", "--seed", str(SEED), "--lang", "en", "--now", "2026-12-04T09:00",
                   input=typed(bank, "en", again))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert asked(result.output) == again
    assert "Reviewed 2, 2 right." in result.output
    assert "Still due today: 2: grade review" in result.output
    stored = json.loads(schedule_path(elsewhere).read_text(encoding="utf-8"))["questions"]
    for number, question_id in first:  # a second right answer in a row: 6 days; after a lapse, 1 again
        expected = 1 if (number, question_id) not in again or question_id == "pick-several" else 6
        assert stored[f"{number}/{question_id}"]["interval"] == expected, question_id


def test_stopping_early_keeps_the_answers_given_and_exits_1(bank, elsewhere):
    result = grade("review", "--new", "3", "--seed", str(SEED), "--lang", "ja", "--now", "2026-12-03T10:00",
                   input=typed(bank, "ja", [(1, "pick-one")]) + "q\n")  # fmt: skip
    assert result.exit_code == 1
    assert "3 問中 1 問で終了しました。答えた分は記録しました。" in result.output
    assert "確認テスト 1" in result.output
    assert list(json.loads(schedule_path(elsewhere).read_text(encoding="utf-8"))["questions"]) == ["1/pick-one"]


def test_nothing_scheduled_says_how_to_start(bank, elsewhere):
    result = grade("review", "--lang", "en")
    assert result.exit_code == 0
    assert "No question is scheduled yet" in result.output
    assert "grade review --new 10" in result.output
    assert not schedule_path(elsewhere).exists()


def test_grade_quiz_answers_enter_the_schedule(bank, elsewhere):
    keys = [(1, "pick-one"), (1, "pick-several"), (1, "a-number")]
    result = grade("quiz", "1", "--seed", str(SEED), "--lang", "en", input=typed(bank, "en", keys, wrong={keys[2]}))
    assert result.exit_code == 0, result.output
    stored = json.loads(schedule_path(elsewhere).read_text(encoding="utf-8"))["questions"]
    assert sorted(stored) == ["1/a-number", "1/pick-one", "1/pick-several"]
    assert stored["1/a-number"]["repetitions"] == 0
    assert stored["1/pick-one"]["repetitions"] == 1
    tomorrow = (datetime.now().astimezone().date() + timedelta(days=1)).isoformat()
    assert {entry["due"] for entry in stored.values()} == {tomorrow}


def test_grade_list_shows_the_due_count(bank, elsewhere):
    today = datetime.now().astimezone().date()
    save_schedule(
        elsewhere,
        Schedule(
            {
                "1/pick-one": Card(1, "pick-one", 1, 2.5, 1, today),
                "1/a-number": Card(1, "a-number", 1, 2.5, 1, today - timedelta(days=3)),
                "2/a-number": Card(2, "a-number", 2, 2.5, 6, today + timedelta(days=1)),
            }
        ),
    )
    result = grade("list", "--lang", "en")
    assert "review: 2 due today (3 scheduled): grade review" in result.output
    assert "復習: 今日 2 問(予定 3 問): grade review" in grade("list", "--lang", "ja").output
    assert not (Path.cwd() / ".grade").exists()


# --- damaged and edited schedules -----------------------------------------------------------------------


def _damaged(data: Path) -> list[Path]:
    return sorted((data / ".grade").glob("review.json.damaged-*"))


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe", b"[]", b'{"format": 2, "questions": {}}', b'{"format": 1, "questions": []}',
     b"1" * 5000],
    ids=["bad json", "empty", "not utf-8", "a list", "unknown format", "questions not a dict", "a huge number"],
)  # fmt: skip
def test_an_unreadable_schedule_is_set_aside_with_a_message(bank, elsewhere, content):
    path = schedule_path(elsewhere)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    listed = grade("list", "--lang", "en")
    assert listed.exit_code == 0
    assert "is damaged; grade review sets it aside" in listed.output
    result = grade("review", "--lang", "en", "--now", "2026-12-03T10:00")
    assert result.exit_code == 0, result.output
    assert "was damaged: set aside as review.json.damaged-20261203T100000" in result.output
    assert _damaged(elsewhere)[0].read_bytes() == content
    assert json.loads(path.read_text(encoding="utf-8")) == {"format": 1, "questions": {}}
    assert "review: nothing scheduled yet" in grade("list", "--lang", "en").output


def test_edited_entries_are_dropped_and_the_sound_ones_kept(bank, elsewhere):
    sound = {"repetitions": 2, "ease": 2.5, "interval": 6, "due": "2026-12-02", "reviewed": ""}
    entries = {
        "1/pick-one": sound,
        "1/a-number": {**sound, "ease": 1e308},
        "1/pick-several": {**sound, "interval": -1},
        "2/pick-one": {**sound, "due": "2026-13-45"},
        "2/a-number": {**sound, "repetitions": True},
        "2/pick-several": {**sound, "ease": float("nan")},
        "../../etc": sound,
        "1/" + "a" * 200: sound,
        "3/x": "not a dict",
    }
    path = schedule_path(elsewhere)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 1, "questions": entries}), encoding="utf-8")
    result = grade("review", "--seed", str(SEED), "--lang", "en", "--now", "2026-12-03T10:00",
                   input=typed(bank, "en", [(1, "pick-one")]))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 question(s) could be read and are kept" in result.output
    assert asked(result.output) == [(1, "pick-one")]
    stored = json.loads(path.read_text(encoding="utf-8"))["questions"]
    assert list(stored) == ["1/pick-one"]
    assert stored["1/pick-one"]["interval"] == 15  # ceil(6 * 2.5): the kept schedule went on
    assert len(_damaged(elsewhere)) == 1


def test_a_symlinked_or_folder_schedule_is_set_aside_not_followed(bank, elsewhere, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text('{"format": 1, "questions": {}}', encoding="utf-8")
    path = schedule_path(elsewhere)
    path.parent.mkdir(parents=True)
    path.symlink_to(outside)
    assert load_schedule(elsewhere, now=datetime(2026, 12, 3, 10).astimezone()).notice is not None
    assert outside.read_text(encoding="utf-8") == '{"format": 1, "questions": {}}'  # the target is untouched
    assert _damaged(elsewhere)[0].is_symlink()
    path.mkdir()
    result = grade("review", "--lang", "en", "--now", "2026-12-04T10:00")
    assert result.exit_code == 0, result.output
    assert path.is_file()


@pytest.mark.parametrize(("now", "problem"), [("yesterday", "not an ISO 8601 time"), ("9999-12-31", "1970 to 9000")])
def test_a_bad_now_is_a_usage_error(now, problem):
    result = grade("review", "--now", now)
    assert result.exit_code == 2
    assert problem in result.output


def test_damaged_twice_in_the_same_second_keeps_both(bank, elsewhere):
    path = schedule_path(elsewhere)
    path.parent.mkdir(parents=True)
    for content in ("first", "second"):
        path.write_text(content, encoding="utf-8")
        assert grade("review", "--lang", "en", "--now", "2026-12-03T10:00").exit_code == 0
    assert sorted(aside.read_text(encoding="utf-8") for aside in _damaged(elsewhere)) == ["first", "second"]


def test_in_a_workspace_the_schedule_is_the_workspaces(bank, elsewhere, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    (workspace / "exercises").mkdir(parents=True)
    (workspace / "notes").mkdir()
    monkeypatch.chdir(workspace / "notes")
    result = grade("review", "--new", "1", "--seed", str(SEED), "--lang", "en", "--now", "2026-12-03T10:00",
                   input=typed(bank, "en", [(1, "pick-one")]))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Not in a workspace" not in result.output
    assert list(json.loads(schedule_path(workspace).read_text(encoding="utf-8"))["questions"]) == ["1/pick-one"]
    assert not schedule_path(elsewhere).exists()
    assert not (workspace / "notes" / ".grade").exists()


def test_questions_taken_out_of_the_course_leave_the_schedule(bank, elsewhere):
    sound = {"repetitions": 1, "ease": 2.5, "interval": 1, "due": "2026-12-20", "reviewed": ""}
    path = schedule_path(elsewhere)
    path.parent.mkdir(parents=True)
    entries = {"1/pick-one": sound, "1/gone": sound, "7/pick-one": sound}
    path.write_text(json.dumps({"format": 1, "questions": entries}), encoding="utf-8")
    result = grade("review", "--lang", "en", "--now", "2026-12-03T10:00")
    assert result.exit_code == 0, result.output
    assert "Next due: 2026-12-20 (in 17 days)." in result.output
    assert list(json.loads(path.read_text(encoding="utf-8"))["questions"]) == ["1/pick-one"]
