"""The LMS import files (Moodle, Canvas), their documented examples, and ``grade report --course`` end to end.

The example files in docs/instructors/examples/ are written by the code from the
class of ``classbook.fill_late_class`` with a roster; after an intended change:

    GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_lms.py
"""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from classbook import LATE_COURSE, fill_late_class
from click.testing import CliRunner

from grader.classroom.coursefile import parse_course
from grader.classroom.gradebook import Gradebook, Person
from grader.classroom.report import build_report, write_csvs
from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "instructors" / "examples"
REGENERATE = os.environ.get("GRADE_REGENERATE_GOLDEN") == "1"
QUIZZES = frozenset(range(1, 23))
ROSTER = {
    "ann": Person("ann", lms_id="s2026001", full_name="Ann Abe", section="A", in_roster=True),
    "bob": Person("bob", lms_id="s2026002", full_name="山田 太郎", section="B", in_roster=True),
    "carol": Person("carol", lms_id="s2026003", full_name="Carol Chen", section="A", in_roster=True),
}


@pytest.fixture(scope="module")
def late_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lms") / "gradebook.sqlite"
    with Gradebook(path) as gradebook:
        fill_late_class(gradebook)
    return path


@pytest.fixture(scope="module")
def roster_report(late_db):
    with Gradebook(late_db) as gradebook:
        record = dataclasses.replace(gradebook.load(), people=ROSTER)
    return build_report(record, None, course=parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES))


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_moodle_file_identifier_items_total_and_late_feedback(roster_report, tmp_path):
    write_csvs(roster_report, tmp_path)
    header, *rows = read_csv(tmp_path / "moodle-grades.csv")
    assert header == [
        "Identifier", "Full name", "Exercise 1", "Exercise 2", "Exercise 3", "Quiz 1", "Total (%)",
        "Exercise 1 feedback", "Exercise 2 feedback", "Quiz 1 feedback",
    ]  # fmt: skip
    assert rows == [
        ["s2026001", "Ann Abe", "3", "0.8", "1", "2.7", "82.5", "on time", "late 2 days (-20 %)", "late 1 day (-10 %)"],
        ["s2026002", "山田 太郎", "2", "", "", "", "33.3333", "time unknown", "", ""],
        ["s2026003", "Carol Chen", "", "", "", "", "0", "", "", ""],
    ]  # fmt: skip


def test_canvas_file_columns_points_possible_and_notes(roster_report, tmp_path):
    write_csvs(roster_report, tmp_path)
    header, possible, *rows = read_csv(tmp_path / "canvas-grades.csv")
    assert header == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section",
        "Exercise 1 (501)", "Exercise 2", "Exercise 3", "Quiz 1", "Weighted total (%)", "Notes",
    ]  # fmt: skip
    assert possible == ["    Points Possible", "", "", "", "", "3", "2", "1", "3", "100", ""]
    assert rows[0] == [
        "Ann Abe", "", "s2026001", "ann", "A", "3", "0.8", "1", "2.7", "82.5",
        "Exercise 2: late 2 days (-20 %); Quiz 1: late 1 day (-10 %)",
    ]  # fmt: skip
    assert rows[1][:5] == ["山田 太郎", "", "s2026002", "bob", "B"]
    assert rows[1][-1] == "Exercise 1: time unknown"
    assert rows[2][5:] == ["", "", "", "", "0", ""]


def test_without_a_roster_the_folder_name_identifies_the_learner(late_db, tmp_path):
    with Gradebook(late_db) as gradebook:
        report = build_report(gradebook.load(), None)
    write_csvs(report, tmp_path)
    assert [row[:2] for row in read_csv(tmp_path / "moodle-grades.csv")[1:]] == [
        ["ann", "ann"],
        ["bob", "bob"],
        ["carol", "carol"],
    ]
    canvas = read_csv(tmp_path / "canvas-grades.csv")
    assert [row[:5] for row in canvas[2:]][0] == ["ann", "", "", "ann", ""]


def test_a_formula_in_a_name_is_defused_in_the_lms_files(late_db, tmp_path):
    hostile = {"ann": Person("ann", lms_id="=cmd|' /C calc'!A0", full_name="@SUM(1+1)", section="+A")}
    with Gradebook(late_db) as gradebook:
        record = dataclasses.replace(gradebook.load(), people=hostile)
    write_csvs(build_report(record, None), tmp_path)
    moodle = read_csv(tmp_path / "moodle-grades.csv")
    assert moodle[1][:2] == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)"]
    canvas = read_csv(tmp_path / "canvas-grades.csv")
    assert canvas[2][:5] == ["'@SUM(1+1)", "", "'=cmd|' /C calc'!A0", "ann", "'+A"]


@pytest.mark.parametrize("name", ["moodle-grades.csv", "canvas-grades.csv"])
def test_the_documented_examples_are_what_the_code_writes(roster_report, tmp_path, name):
    write_csvs(roster_report, tmp_path)
    written = (tmp_path / name).read_bytes()
    if REGENERATE:
        shutil.copyfile(tmp_path / name, EXAMPLES / name)
    assert written == (EXAMPLES / name).read_bytes(), f"regenerate: GRADE_REGENERATE_GOLDEN=1 pytest {__file__}"


# --- grade report --course, stored, overridden ----------------------------------------------------------


@pytest.fixture(autouse=True)
def tiny_bank(tmp_path_factory, monkeypatch):
    """A one-quiz bank: the command loads it in milliseconds instead of the course's 22 quizzes."""
    from test_report import TINY_EN, TINY_JA

    root = tmp_path_factory.getbasetemp() / "tiny-bank"
    for lang, text in (("en", TINY_EN), ("ja", TINY_JA)):
        (root / lang).mkdir(parents=True, exist_ok=True)
        (root / lang / "01-tiny.md").write_text(text, encoding="utf-8")
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(root))


def report(db: Path, *arguments: str):
    return CliRunner().invoke(main, ["report", "--db", str(db), *arguments])


def test_the_course_is_stored_and_used_by_the_next_report(late_db, tmp_path):
    db = tmp_path / "gradebook.sqlite"
    shutil.copyfile(late_db, db)
    course = tmp_path / "course.toml"
    course.write_text(LATE_COURSE, encoding="utf-8")
    first = report(db, "--course", str(course), "--csv", str(tmp_path / "one"))
    assert first.exit_code == 0, first.output
    assert f"course: {course} (stored in the gradebook" in first.output
    with Gradebook(db) as gradebook:
        assert gradebook.load().settings["course"] == LATE_COURSE
    course.unlink()  # the file is gone: the stored text is what counts
    second = report(db, "--csv", str(tmp_path / "two"), "--lang", "ja")
    assert second.exit_code == 0, second.output
    assert f"コース: {db} に保存されたもの({course} から)" in second.output
    assert read_csv(tmp_path / "two" / "grades.csv") == read_csv(tmp_path / "one" / "grades.csv")
    # for this run only: exercise 1 due a day earlier, everything late scores 0
    third = report(db, "--csv", str(tmp_path / "three"), "--deadline", "1=2026-12-09", "--late-policy", "cutoff")
    assert third.exit_code == 0, third.output
    assert "this run only: --deadline 1=2026-12-09, --late-policy cutoff" in third.output
    rows = {row[0]: row for row in read_csv(tmp_path / "three" / "grades.csv")[1:]}
    assert rows["ann"][1] == "0"
    assert rows["ann"][-1].startswith("Exercise 1: late 1 day (scored 0)")
    with Gradebook(db) as gradebook:
        assert gradebook.load().settings["course"] == LATE_COURSE  # overrides are not stored


def test_without_any_course_the_output_says_so(late_db, tmp_path):
    result = report(late_db, "--csv", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "course: none (every exercise and quiz counts with weight 1, no deadlines)" in result.output


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--course", "missing.toml"], "no course file at missing.toml"),
        (["--deadline", "15=2026-12-10"], "there is no exercise 15"),
        (["--deadline", "3=2026-12-10T10:00"], "a time needs its timezone"),
        (["--late-policy", "per-week"], "--late-policy 'per-week'"),
    ],
)
def test_bad_course_input_is_a_usage_error_and_stores_nothing(late_db, tmp_path, arguments, said):
    db = tmp_path / "gradebook.sqlite"
    shutil.copyfile(late_db, db)
    good = tmp_path / "good.toml"
    good.write_text(LATE_COURSE, encoding="utf-8")
    if arguments[0] != "--course":
        arguments = ["--course", str(good), *arguments]
    result = report(db, "--csv", str(tmp_path / "out"), *arguments)
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "Traceback" not in result.output
    with Gradebook(db) as gradebook:
        assert "course" not in gradebook.load().settings


def test_a_bad_course_file_names_file_key_and_value(late_db, tmp_path):
    bad = tmp_path / "course.toml"
    bad.write_text("[exercises.3]\nweight = -2\n", encoding="utf-8")
    result = report(late_db, "--course", str(bad), "--csv", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"{bad}: exercises.3.weight = -2: the value must be between 0 and 1000000" in result.output
    japanese = report(late_db, "--course", str(bad), "--csv", str(tmp_path / "out"), "--lang", "ja")
    assert japanese.exit_code == 2
    assert f"{bad}: exercises.3.weight = -2: 値は 0 以上 1000000 以下にしてください" in japanese.output
