"""Weighted totals and lateness in the report model and in learners.csv and grades.csv, against hand computation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from classbook import LATE_COURSE, fill_late_class

from grader.classroom.coursefile import Course, LatePolicy, parse_course, with_overrides
from grader.classroom.gradebook import Gradebook
from grader.classroom.report import build_report, render_html, write_csvs

QUIZZES = frozenset(range(1, 23))


@pytest.fixture(scope="module")
def late_record(tmp_path_factory):
    path = tmp_path_factory.mktemp("late") / "gradebook.sqlite"
    with Gradebook(path) as gradebook:
        fill_late_class(gradebook)
        return gradebook.load()


def report_for(record, course: Course | None):
    return build_report(record, None, generated="2026-12-20T09:00:00+09:00", course=course)


def by_name(report):
    return {learner.name: learner for learner in report.learners}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_weighted_totals_match_the_hand_computation(late_record):
    learners = by_name(report_for(late_record, parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES)))
    assert learners["ann"].total == pytest.approx(100 * (2 * 1.0 + 0.4 + 0.9) / 4)
    assert learners["bob"].total == pytest.approx(100 * (2 * 2 / 3) / 4)
    assert learners["carol"].total == 0.0
    ann = learners["ann"].grades.items
    assert ann[("exercise", 1)].lateness.state == "on-time"  # exactly at the deadline
    assert (ann[("exercise", 2)].lateness.days, ann[("exercise", 2)].final_points) == (2, pytest.approx(0.8))
    quiz = ann[("quiz", 1)]
    assert (quiz.score, quiz.lateness.days, quiz.final_fraction) == (3.0, 1, pytest.approx(0.9))
    assert not ann[("exercise", 3)].counted
    assert learners["bob"].grades.items[("exercise", 1)].lateness.state == "unknown"


def test_the_best_quiz_attempt_is_the_best_after_the_penalty(late_record):
    cutoff = with_overrides(parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES), late=LatePolicy("cutoff"))
    ann = by_name(report_for(late_record, cutoff))["ann"]
    quiz = ann.grades.items[("quiz", 1)]
    assert (quiz.score, quiz.lateness.state) == (2.0, "on-time")  # the late 3/3 scores 0; the on-time 2/3 counts
    # cutoff: the late exercise 2 scores 0 but is still there, marked
    assert ann.grades.items[("exercise", 2)].final_points == 0.0
    assert ann.grades.items[("exercise", 2)].score == 1.0
    assert ann.total == pytest.approx(100 * (2 * 1.0 + 0 + 2 / 3) / 4)


def test_the_none_policy_marks_late_work_without_a_penalty(late_record):
    marked = with_overrides(parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES), late=LatePolicy("none"))
    ann = by_name(report_for(late_record, marked))["ann"]
    assert ann.grades.items[("exercise", 2)].lateness.late
    assert ann.total == pytest.approx(100 * (2 * 1.0 + 0.5 + 1.0) / 4)


def test_without_a_course_every_item_counts_with_weight_1_and_nothing_is_late(late_record):
    report = report_for(late_record, None)
    ann = by_name(report)["ann"]
    assert ann.total == pytest.approx(100 * (1.0 + 0.5 + 1.0 + 1.0) / 4)
    assert not ann.grades.late
    assert [column.key for column in report.columns] == [("exercise", 1), ("exercise", 2), ("exercise", 3), ("quiz", 1)]


def test_a_due_exercise_nobody_handed_in_counts_0_with_its_real_maximum(late_record):
    rules = parse_course("[due]\nexercises = [1, 4]\n", "course.toml", quizzes=QUIZZES)
    report = report_for(late_record, rules)
    four = next(column for column in report.columns if column.key == ("exercise", 4))
    assert four.max_score == 15.0  # what grade exercise 4 --format json says of the untouched stub: 0 of 15
    assert by_name(report)["ann"].total == pytest.approx(100 * (1.0 + 0.0) / 2)


def test_learners_and_grades_csv_carry_totals_and_late_marks(late_record, tmp_path):
    report = report_for(late_record, parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES))
    write_csvs(report, tmp_path)
    header, *rows = read_csv(tmp_path / "grades.csv")
    assert header == [
        "learner",
        "Exercise 1 (max 3)",
        "Exercise 2 (max 2)",
        "Exercise 3 (max 1, not counted)",
        "Quiz 1 (max 3)",
        "Exercises total (max 6)",
        "Quizzes total (max 3)",
        "Weighted total (%)",
        "Late",
    ]
    assert rows == [
        ["ann", "3", "0.8", "1", "2.7", "4.8", "2.7", "82.5",
         "Exercise 2: late 2 days (-20 %); Quiz 1: late 1 day (-10 %)"],
        ["bob", "2", "", "", "", "2", "", "33.3333", "Exercise 1: time unknown"],
        ["carol", "", "", "", "", "", "", "0", ""],
    ]  # fmt: skip
    header, *rows = read_csv(tmp_path / "learners.csv")
    assert header[:8] == [
        "learner", "exercises total", "exercises max", "quizzes total", "quizzes max", "weighted total (%)",
        "ex01 total", "ex01 late",
    ]  # fmt: skip
    late = {name: index for index, name in enumerate(header) if name.endswith(" late")}
    cells = {row[0]: {name: row[index] for name, index in late.items()} for row in rows}
    assert cells["ann"] == {
        "ex01 late": "on time",
        "ex02 late": "late 2 days (-20 %)",
        "ex03 late": "",  # no deadline
        "quiz01 late": "late 1 day (-10 %)",
    }
    assert cells["bob"]["ex01 late"] == "time unknown"
    assert cells["carol"] == dict.fromkeys(late, "")


@pytest.mark.parametrize(("lang", "late"), [("en", ">late<"), ("ja", ">期限後<")])
def test_the_page_marks_late_work_and_shows_the_weighted_total(late_record, lang, late):
    page = render_html(report_for(late_record, parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES)), lang)
    # the heatmap (which replaced the learner summary table) marks late cells and shows the weighted total
    summary = page[page.index('id="heatmap-table"') : page.index("</table>", page.index('id="heatmap-table"'))]
    assert summary.count(late) == 2  # ann's exercise 2 and quiz 1
    assert ">82.5%<" in summary
    assert ">33.3%<" in summary
