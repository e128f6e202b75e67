"""The dashboard of the class report: heatmap cells, learners at risk, pass rates over time (no browser).

The report's page in Chromium (layout, keyboard, axe-core) is tested in test_report.py.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from datetime import date
from html import unescape

import pytest

from grader.classroom import dashboard
from grader.classroom.gradebook import (
    AnswerRow,
    AttemptRow,
    CheckRow,
    ClassRecord,
    HistoryRow,
    Person,
    SubmissionRow,
)
from grader.classroom.report import build_report, render_html
from grader.grading.results import Status

P, F, T = Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED


def submission(learner: str, exercise: int, statuses: list[str]) -> SubmissionRow:
    """A current submission as ``Gradebook.load`` returns it, one check of 1 point per status."""
    checks = tuple(
        CheckRow(f"f{position}: check {position}", "", status, float(status == P), 1.0, "", "", None, None)
        for position, status in enumerate(statuses)
    )
    score = sum(check.score for check in checks)
    return SubmissionRow(
        learner=learner,
        exercise=exercise,
        file_name=f"ex{exercise:02d}.py",
        content_hash=f"{learner}-{exercise}",
        graded_at="2025-04-10T12:00:00+00:00",
        score=score,
        max_score=float(len(checks)),
        passed=all(status == P for status in statuses),
        attempted=any(status != T for status in statuses),
        checks=checks,
    )


def grading(learner: str, exercise: int, day: int, passed: bool, *, current: bool = False) -> HistoryRow:
    """One grading at noon UTC (the same local day from UTC-11 to UTC+11)."""
    return HistoryRow(learner, exercise, f"2025-04-{day:02d}T12:00:00+00:00", None, 1.0, 1.0, passed, current)


def quiz_attempt(learner: str, right: int, of: int) -> AttemptRow:
    answers = tuple(AnswerRow(f"q{index}", [0], index < right, None) for index in range(of))
    return AttemptRow(learner, 1, "01-x", "en", False, "2025-04-01", "2025-04-01", float(right), float(of), answers)


@pytest.fixture
def record() -> ClassRecord:
    """ann: everything passed; bob: half; carol: 4 failed gradings of ex 1; dave: no folder; erin: only a problem."""
    submissions = (
        submission("ann", 1, [P, P, P, P]),
        submission("ann", 2, [P, P]),
        submission("bob", 1, [P, P, F, F]),
        submission("bob", 2, [P, T]),
        submission("carol", 1, [P, P, P, F]),
    )
    history = (
        grading("ann", 1, 1, False),
        grading("ann", 1, 2, True, current=True),
        grading("ann", 2, 3, True, current=True),
        grading("bob", 1, 1, True),
        grading("bob", 1, 3, False, current=True),
        grading("bob", 2, 3, False, current=True),
        *(grading("carol", 1, day, False, current=day == 4) for day in (1, 2, 3, 4)),
    )
    attempts = (quiz_attempt("ann", 4, 4), quiz_attempt("bob", 1, 4), quiz_attempt("carol", 4, 4))
    people = {
        "ann": Person("ann", full_name="Ann Archer", section="A", in_roster=True),
        "bob": Person("bob", section="B", in_roster=True),
        "carol": Person("carol", section="A", in_roster=True),
        "dave": Person("dave", section=None, in_roster=True, has_folder=False),
    }
    return ClassRecord(
        learners=("ann", "bob", "carol", "dave", "erin"),
        submissions=submissions,
        attempts=attempts,
        problems={"erin": ("ex01.py: not UTF-8",)},
        people=people,
        history=history,
    )


def test_each_check_is_a_cell_and_a_missing_exercise_is_blank(record):
    board = build_report(record, {}).dashboard
    rows = {row.learner.name: row for row in board.rows}
    assert [cells.statuses for cells in rows["bob"].exercises] == [(P, P, F, F), (P, T)]
    assert rows["carol"].exercises[1].statuses == ("", "")  # no submission of exercise 2
    assert rows["carol"].exercises[1].score is None
    assert [cells.score for cells in rows["bob"].exercises] == [0.5, 0.5]
    assert rows["bob"].quizzes == (0.25,)
    assert rows["dave"].quizzes == (None,)
    # total: the weighted total, every item weighing 1 without a course file: (2/4 + 1/2 + 1/4) / 3
    assert rows["bob"].total == pytest.approx(5 / 12)
    # carol never handed in exercise 2: it counts 0, (3/4 + 0 + 4/4) / 3
    assert rows["carol"].total == pytest.approx(7 / 12)
    assert rows["dave"].total is None
    assert rows["ann"].shown_name == "Ann Archer"  # the roster's name
    assert rows["bob"].shown_name == "bob"


def test_sections_come_from_the_roster_and_no_section_sorts_last(record):
    board = build_report(record, {}).dashboard
    assert board.sections == ("A", "B", "")
    assert [row.section for row in board.rows] == ["A", "B", "A", "", ""]


def test_the_at_risk_list_names_every_reason(record):
    board = build_report(record, {}).dashboard
    reasons = {entry.learner.name: [reason.en for reason in entry.reasons] for entry in board.at_risk}
    assert reasons == {
        "dave": ["no submission: no folder"],
        "erin": ["nothing gradable: only files with problems"],
        "bob": ["total 42% (below 50%)"],
        # ann failed once then passed; carol's 4 gradings never passed
        "carol": ["exercise 1: graded 4 times, never passed"],
    }
    assert [entry.learner.name for entry in board.at_risk] == ["dave", "erin", "bob", "carol"]  # lowest first
    japanese = {entry.learner.name: [reason.ja for reason in entry.reasons] for entry in board.at_risk}
    assert japanese["carol"] == ["課題 1: 4 回採点、全合格なし"]


@pytest.mark.parametrize(
    ("right", "at_risk"),
    [pytest.param(5, False, id="exactly-50-percent"), pytest.param(4, True, id="just-below")],
)
def test_the_low_total_threshold(right, at_risk):
    # one learner, a quiz of 10 questions and nothing else: the total is right/10
    record = ClassRecord(("ann",), (), (quiz_attempt("ann", right, 10),), {})
    board = build_report(record, {}).dashboard
    assert bool(board.at_risk) is at_risk
    assert dashboard.AT_RISK_TOTAL == 0.5


def test_failed_gradings_below_the_threshold_are_not_a_risk(record):
    history = tuple(row for row in record.history if not (row.learner == "carol" and row.graded_at < "2025-04-03"))
    board = build_report(ClassRecord(**{**record.__dict__, "history": history}), {}).dashboard
    assert "carol" not in {entry.learner.name for entry in board.at_risk}  # 2 gradings: below 3


def test_pass_rates_by_day_count_each_learners_latest_grading(record):
    board = build_report(record, {}).dashboard
    assert board.days == (date(2025, 4, 1), date(2025, 4, 2), date(2025, 4, 3), date(2025, 4, 4))
    assert board.class_size == 5
    rates = {series.exercise: series.passed for series in board.pass_rates}
    # exercise 1: day 1 bob; day 2 ann and bob; day 3 bob failed again: ann; day 4 the same
    assert rates[1] == (1, 2, 1, 1)
    assert rates[2] == (0, 0, 1, 1)


def test_times_that_are_not_times_are_left_out(record):
    hostile = (
        HistoryRow("ann", 1, "not a time", None, 1, 1, True, False),
        HistoryRow("ann", 1, "", None, 1, 1, True, False),
        HistoryRow("bob", 1, "9999-12-31T23:59:59-12:00", None, 1, 1, True, False),  # past year 9999 in UTC
        HistoryRow("bob", 1, "2025-04-05T12:00:00", None, 1, 1, True, False),  # no zone: UTC
    )
    board = build_report(ClassRecord(**{**record.__dict__, "history": hostile}), {}).dashboard
    assert board.days == (date(2025, 4, 5),)
    assert [series.passed for series in board.pass_rates] == [(1,), (0,)]


def test_the_chart_draws_a_line_through_every_day_and_a_dot_for_one():
    days = (date(2025, 4, 1), date(2025, 4, 2), date(2025, 4, 9))
    svg = dashboard.pass_rate_svg(dashboard.PassRates(1, (0, 2, 4)), days, 4, "Exercise 1", "en")
    (points,) = re.findall(r'<polyline points="([^"]+)"', svg)
    ys = [float(pair.split(",")[1]) for pair in points.split()]
    assert len(ys) == 3
    assert ys[0] > ys[1] > ys[2]  # 0 %, 50 %, 100 %: higher up the chart
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2])
    assert "<title>2025-04-02: 50% (2/4)</title>" in svg
    assert 'aria-label="Exercise 1: pass rate by day, latest 100%"' in svg
    single = dashboard.pass_rate_svg(dashboard.PassRates(1, (1,)), days[:1], 4, "課題 1", "ja")
    assert "<polyline" not in single
    assert single.count("<circle") == 1
    assert 'aria-label="課題 1: 日ごとの合格率、最新 25%"' in single


def test_the_page_shows_the_dashboard_with_words_and_symbols(record):
    report = build_report(record, {}, generated="2025-04-11T09:00:00+09:00")
    english, japanese = render_html(report, "en"), render_html(report, "ja")
    # bob's exercise 1: a score cell, then one cell per check with a symbol and its word
    assert re.search(
        r'<td class="group s2" data-v="0.5">50%</td>\s*<td class="hp" aria-label="passed">✓</td>'
        r'<td class="hp" aria-label="passed">✓</td><td class="hf" aria-label="failed">✗</td>',
        english,
    )
    assert '<td class="ht" aria-label="未着手">–</td>' in japanese
    assert '<td class="hn" aria-label="未提出"></td>' in japanese
    assert '<option value="s:">クラスなし</option>' in japanese
    assert "total 42% (below 50%)" in english
    assert "合計 42%(50% 未満)" in japanese
    assert 'href="#learner-4"' in english  # dave, at risk, links to his page


def test_hostile_names_and_sections_are_escaped(record):
    hostile = '"><script>alert(1)</script>'
    people = {"bob": Person("bob", full_name=hostile, section=hostile)}
    html = render_html(build_report(ClassRecord(**{**record.__dict__, "people": people}), {}), "en")
    assert "<script>alert(1)" not in html
    assert 'data-section="s:&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_the_one_script_is_the_one_the_policy_allows(record):
    html = render_html(build_report(record, {}), "en")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 1
    attributes, body = scripts[0]
    assert attributes == ""  # inline, nothing loaded
    digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
    (policy,) = map(unescape, re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html))
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_empty_gradebook_gives_an_empty_dashboard_that_says_so(lang):
    report = build_report(ClassRecord((), (), (), {}), {})
    board = report.dashboard
    assert (board.rows, board.at_risk, board.days, board.sections) == ((), (), (), ())
    html = render_html(report, lang)
    assert dashboard.UI["nobody_at_risk"](lang) in html
    assert dashboard.UI["no_history"](lang) in html
    assert 'id="section-filter"' not in html  # no roster sections: no section filter


def test_a_check_failed_because_of_another_exercise_is_marked_apart(record):
    blocked = submission("erin", 2, [F, F, P])
    checks = tuple(
        dataclasses.replace(check, blocked_by=1) if check.status == F and position else check
        for position, check in enumerate(blocked.checks)
    )
    blocked = dataclasses.replace(blocked, checks=checks)
    report = build_report(dataclasses.replace(record, submissions=(*record.submissions, blocked)), {})
    erin = next(row for row in report.dashboard.rows if row.learner.name == "erin")
    assert erin.exercises[1].statuses == (F, dashboard.BLOCKED, P)
    html = render_html(report, "ja")
    assert '<td class="hb" aria-label="ほかの課題のファイルが原因で不合格">⊘</td>' in html


def test_a_learner_with_nothing_at_all_has_no_submission():
    board = build_report(ClassRecord(("fay",), (), (), {}), {}).dashboard
    (entry,) = board.at_risk
    assert [reason.en for reason in entry.reasons] == ["no submission: nothing graded"]
    assert entry.total is None


def test_an_empty_folder_the_roster_does_not_name_has_nothing_graded_not_nothing_gradable(record):
    from dataclasses import replace

    from grader.classroom.roster import not_in_roster

    # fred's folder is empty; the only problem noted is about its name, not about files
    record = replace(
        record,
        learners=(*record.learners, "fred"),
        problems={**record.problems, "fred": (not_in_roster("fred", "roster.csv"),)},
        people={**record.people, "fred": Person("fred", in_roster=False)},
    )
    board = build_report(record, {}).dashboard
    reasons = {entry.learner.name: [reason.en for reason in entry.reasons] for entry in board.at_risk}
    assert reasons["fred"] == ["no submission: nothing graded"]
    assert reasons["erin"] == ["nothing gradable: only files with problems"]
