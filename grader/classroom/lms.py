"""Grade files in the form an LMS imports: Moodle's "Import grades from CSV" and Canvas's gradebook import.

Both hold one row per learner and one column per exercise and quiz with the
points after the late penalty (empty when nothing was handed in), in the order
of ``ClassReport.columns``, and the weighted total in percent
(``grader.classroom.totals``).  The learner comes from the roster when
``grade batch --roster`` gave one (``ClassRecord.people``): the LMS id, the full
name and the section; without it, the folder name.  Examples produced by this
code: ``docs/instructors/examples/moodle-grades.csv`` and ``canvas-grades.csv``.

Moodle (``moodle-grades.csv``)
    ``Identifier`` (the roster's LMS id, else the folder name: map it to the
    user field it holds, username, e-mail address or ID number), ``Full name``
    (not imported), ``Exercise N`` / ``Quiz N`` (map each to its grade item),
    ``Total (%)`` (map it to a manual grade item, or ignore it: Moodle computes
    its own course total), then ``Exercise N feedback`` for every item with a
    deadline (map it to "Feedback for Exercise N"): ``late 2 days (-20 %)``,
    ``on time`` or ``time unknown``.

Canvas (``canvas-grades.csv``)
    The columns of Canvas's own gradebook export: ``Student``, ``ID`` (left
    empty: Canvas's internal user id is not known here), ``SIS User ID`` (the
    roster's LMS id), ``SIS Login ID`` (the folder name), ``Section``; then one
    column per exercise and quiz named ``Exercise 3 (1234)`` when the course
    file gives ``canvas_id = 1234`` (Canvas updates that assignment), else
    ``Exercise 3`` (Canvas offers to create it); ``Weighted total (%)`` (an
    assignment of 100 points); ``Notes`` (the late items; Canvas fills its Notes
    column when the gradebook shows one, else ignore the column in the import
    preview).  The second row is ``Points Possible`` with each maximum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.classroom.report import ClassReport, LearnerRow

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # as Canvas's export writes it; the import matches the stripped text


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}"


def _points(report: ClassReport, learner: LearnerRow) -> list[str]:
    cells = []
    for column in report.columns:
        grade = learner.grades.items.get(column.key)
        cells.append(_number(None if grade is None else grade.final_points))
    return cells


def _late_note(learner: LearnerRow) -> str:
    return "; ".join(
        f"{grade.item.label.en}: {grade.lateness.text().en}" for grade in learner.grades.late + learner.grades.unknown
    )


def moodle_csv_rows(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """``moodle-grades.csv``: an identifier, a column per grade item, the total, feedback for items with deadlines."""
    with_deadline = [column for column in report.columns if column.item.deadline is not None]
    header = ["Identifier", "Full name"]
    header.extend(column.item.label.en for column in report.columns)
    header.append("Total (%)")
    header.extend(f"{column.item.label.en} feedback" for column in with_deadline)
    rows = []
    for learner in report.learners:
        person = report.people.get(learner.name)
        row = [
            (person.lms_id if person and person.lms_id else learner.name),
            (person.full_name if person and person.full_name else learner.name),
        ]
        row.extend(_points(report, learner))
        row.append(_number(learner.total))
        for column in with_deadline:
            grade = learner.grades.items.get(column.key)
            row.append("" if grade is None or grade.score is None else grade.lateness.text().en)
        rows.append(row)
    return header, rows


def canvas_csv_rows(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """``canvas-grades.csv``: Canvas's gradebook columns, a Points Possible row, one row per learner."""
    header = list(CANVAS_FIXED)
    for column in report.columns:
        label = column.item.label.en
        header.append(f"{label} ({column.item.canvas_id})" if column.item.canvas_id else label)
    header.extend(["Weighted total (%)", "Notes"])
    possible = [POINTS_POSSIBLE, "", "", "", ""]
    possible.extend(_number(column.max_score) for column in report.columns)
    possible.extend(["100", ""])
    rows = [possible]
    for learner in report.learners:
        person = report.people.get(learner.name)
        row = [
            (person.full_name if person and person.full_name else learner.name),
            "",
            (person.lms_id or "") if person else "",
            learner.name,
            (person.section or "") if person else "",
        ]
        row.extend(_points(report, learner))
        row.extend([_number(learner.total), _late_note(learner)])
        rows.append(row)
    return header, rows
