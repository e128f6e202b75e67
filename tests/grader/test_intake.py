"""What grade batch takes in (issue 15): the roster, what is current, the file picked, notebooks, zips, Shift_JIS.

Real gradings use exercise 1 only (its solution grades in a fraction of a
second); everything about the gradebook alone is tested without a sandbox
(``classbook.make_result``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from classbook import make_result
from click.testing import CliRunner

from grader.classroom import uploads
from grader.classroom.batch import discover, plan, run_batch
from grader.classroom.gradebook import Gradebook
from grader.classroom.report import build_report, grades_csv_rows, learners_csv_rows
from grader.classroom.roster import MAX_ROSTER_BYTES, load_roster
from grader.cli import main
from grader.errors import UsageError
from grader.quiz.attempts import save_attempt
from grader.quiz.bank import is_correct, load_bank

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
STUB = (ROOT / "exercises" / "ex01_activations.py").read_text(encoding="utf-8")


def learner(class_dir: Path, name: str, files: dict[str, str | bytes] | None = None) -> Path:
    folder = class_dir / name
    folder.mkdir(parents=True)
    for relative, content in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def current(record, name: str) -> dict[int, object]:
    return {row.exercise: row for row in record.submissions if row.learner == name}


# --- the roster ---------------------------------------------------------------------------------------


def write_roster(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_a_roster_in_utf8_with_a_bom_or_in_shift_jis_reads_the_same(tmp_path):
    text = "login,lms_id,name,section\r\nann,S001,山田 杏,A\r\n\r\nbob , S002 ,Bob Brown,\r\n"
    with_bom = load_roster(write_roster(tmp_path / "bom.csv", text, "utf-8-sig"))
    shift_jis = load_roster(write_roster(tmp_path / "sjis.csv", text, "cp932"))
    assert with_bom.encoding == "utf-8"
    assert shift_jis.encoding == "cp932"
    for roster in (with_bom, shift_jis):
        assert [(e.login, e.lms_id, e.full_name, e.section) for e in roster.entries] == [
            ("ann", "S001", "山田 杏", "A"),
            ("bob", "S002", "Bob Brown", None),
        ]
    # columns in any order, "folder" for login, only login required
    (entry,) = load_roster(write_roster(tmp_path / "min.csv", "Section,FOLDER\nB,carl\n")).entries
    assert (entry.login, entry.section, entry.lms_id) == ("carl", "B", None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "is empty; its first line is the header", id="empty"),
        pytest.param(b"ann,S001\n", "unknown column 'ann'", id="no-header"),
        pytest.param(b"lms_id,name\nS1,Ann\n", "has no login column", id="no-login-column"),
        pytest.param(b"login,e-mail\nann,a@x\n", "unknown column 'e-mail'", id="unknown-column"),
        pytest.param(b"login,login\nann,ann\n", "the column login is named twice", id="repeated-column"),
        pytest.param(b"login,name\nann,A\nbob,B\nann,C\n", "roster.csv:4: the login 'ann' is listed twice", id="dup"),
        pytest.param(
            b"login,name\n ,Nobody\n", "roster.csv:2: the login (the learner's folder name) is empty", id="empty"
        ),
        pytest.param(b"login,name\nann,Ann,extra\n", "has 3 cells and the header 2", id="extra-cell"),
        pytest.param(b"login\n" + b"a" * 2000 + b"\n", "longer than 1024 characters", id="long-value"),
        pytest.param(b"login\nann\x00\n", "NUL", id="nul"),
        pytest.param(b"\xff\xfel\x00o\x00g\x00", "neither UTF-8 nor Shift_JIS", id="utf-16"),
        pytest.param(b'login\n"ann\n', "is not valid CSV", id="open-quote"),
    ],
)
def test_a_bad_roster_is_a_clear_error_naming_the_line(tmp_path, content, message):
    with pytest.raises(UsageError, match="the roster") as caught:
        load_roster(write_roster(tmp_path / "roster.csv", content.decode("latin-1"), "latin-1"))
    assert message in str(caught.value)


def test_a_huge_roster_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "roster.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_ROSTER_BYTES + 1)  # sparse: nothing to write
    with pytest.raises(UsageError, match="larger than 4 MiB"):
        load_roster(path)
    with pytest.raises(UsageError, match="not a file"):
        load_roster(tmp_path)


def test_grade_batch_with_a_bad_roster_exits_2_and_writes_no_gradebook(tmp_path):
    learner(tmp_path / "class", "ann")
    roster = write_roster(tmp_path / "roster.csv", "login,mail\nann,a@x\n")
    database = tmp_path / "book.sqlite"
    result = CliRunner().invoke(
        main, ["batch", str(tmp_path / "class"), "--db", str(database), "--roster", str(roster)]
    )
    assert result.exit_code == 2, result.output
    assert "Error: the roster" in result.output
    assert "unknown column 'mail'" in result.output
    assert "Traceback" not in result.output
    assert not database.exists()
    japanese = CliRunner().invoke(
        main, ["batch", str(tmp_path / "class"), "--db", str(database), "--roster", str(roster), "--lang", "ja"]
    )
    assert japanese.exit_code == 2
    assert "roster.csv:1: 不明な列 'mail' があります" in japanese.output


def test_every_roster_learner_and_every_folder_is_in_the_gradebook_report_and_csvs(tmp_path):
    class_dir = tmp_path / "class"
    learner(class_dir, "ann", {"ex01_activations.py": SOLUTION})
    learner(class_dir, "bob")  # an empty folder: a learner with no submission, not a missing row
    learner(class_dir, "dan", {"upload.zip": b"not a zip"})  # nothing gradable
    learner(class_dir, "zed", {"notes.txt": "hi"})  # a folder the roster does not name
    learner(class_dir, "eve")  # an empty folder the roster does not name: no submission, and not in the roster
    roster = write_roster(
        tmp_path / "roster.csv",
        "login,lms_id,name,section\nann,S001,Ann Abe,A\nbob,S002,Bob Bo,A\ncarl,S003,Carl Cho,B\ndan,S004,Dan Do,B\n",
    )
    database = tmp_path / "book.sqlite"
    result = CliRunner().invoke(
        main, ["batch", str(class_dir), "--db", str(database), "--roster", str(roster), "--jobs", "1", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "5 learners: 1 graded" in result.output
    assert "folders not in the roster: 2 (graded, and noted per learner): eve, zed" in result.output
    assert "roster learners without a folder: 1 (no submission): carl" in result.output
    with Gradebook(database) as book:
        record = book.load()
    people = record.people
    assert set(people) == {"ann", "bob", "carl", "dan", "eve", "zed"}
    assert (people["ann"].lms_id, people["ann"].full_name, people["ann"].section) == ("S001", "Ann Abe", "A")
    assert [name for name, person in sorted(people.items()) if person.in_roster] == ["ann", "bob", "carl", "dan"]
    assert [name for name, person in sorted(people.items()) if not person.has_folder] == ["carl"]
    assert "not in the roster roster.csv" in " | ".join(record.problems["zed"])

    report = build_report(record)
    status = {row.name: row.status for row in report.learners}
    assert status == {
        "ann": "",
        "bob": "no submission",
        "carl": "no submission",
        "dan": "nothing gradable",
        "eve": "no submission",
        "zed": "nothing gradable",
    }
    for header, rows in (grades_csv_rows(report), learners_csv_rows(report)):
        assert header[:4] == ["learner", "lms id", "full name", "section"]
        assert header[-1] == "status"
        by_name = {row[0]: row for row in rows}
        assert set(by_name) == {"ann", "bob", "carl", "dan", "eve", "zed"}
        assert by_name["carl"][1:4] == ["S003", "Carl Cho", "B"]
        assert by_name["carl"][-1] == "no submission"
        assert by_name["zed"][1:4] == ["", "", ""]
        assert by_name["zed"][-1] == "nothing gradable; not in roster"
        assert by_name["eve"][-1] == "no submission; not in roster"
        assert by_name["ann"][-1] == ""
    assert {row[0]: row[4] for row in grades_csv_rows(report)[1]}["ann"] == "9"

    # next term's roster drops ann: she is no longer in the roster, her folder and grades stay
    write_roster(roster, "login,lms_id\nbob,S002\n")
    japanese = CliRunner().invoke(
        main, ["batch", str(class_dir), "--db", str(database), "--roster", str(roster), "--lang", "ja"]
    )
    assert japanese.exit_code == 0, japanese.output
    assert "名簿にないフォルダが 4 個あります" in japanese.output
    with Gradebook(database) as book:
        again = book.load()
    assert not again.people["ann"].in_roster
    assert again.people["ann"].has_folder
    assert again.people["bob"].in_roster
    assert 1 in current(again, "ann")


def test_without_a_roster_the_csvs_keep_their_columns_and_empty_folders_get_rows(tmp_path):
    class_dir = tmp_path / "class"
    learner(class_dir, "bob")
    learner(class_dir, "zip-only", {"up.zip": b"PK\x05\x06" + bytes(18)})  # an empty zip: nothing gradable
    with Gradebook(tmp_path / "book.sqlite") as book:
        summary = run_batch(class_dir, book, jobs=1)
        report = build_report(book.load())
    assert summary.learners == 2
    header, rows = grades_csv_rows(report)
    assert header[0] == "learner"
    assert "status" not in header
    assert "lms id" not in header
    assert [row[0] for row in rows] == ["bob", "zip-only"]


# --- what is current ----------------------------------------------------------------------------------------


def test_a_deleted_file_leaves_no_current_grade_and_keeps_the_history(tmp_path):
    class_dir = tmp_path / "class"
    folder = learner(class_dir, "ann", {"ex01_activations.py": SOLUTION})
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.record_exercise("ann", 2, "ex02_softmax_loss.py", "old", make_result(2, ["passed"]))
        # --exercises 1: only exercise 1 is looked at; the grade of exercise 2 (no file now) stays
        run_batch(class_dir, book, jobs=1, exercises={1})
        assert set(current(book.load(), "ann")) == {1, 2}
        summary = run_batch(class_dir, book, jobs=1)
        assert summary.retired == 1
        assert set(current(book.load(), "ann")) == {1}
        (folder / "ex01_activations.py").unlink()
        run_batch(class_dir, book, jobs=1)
        record = book.load()
    assert current(record, "ann") == {}
    history = [(row.exercise, row.current, row.passed) for row in record.history if row.learner == "ann"]
    assert history == [(1, False, True), (2, False, True)]


def test_problems_of_a_grading_go_when_the_next_grading_succeeds(tmp_path, monkeypatch):
    from grader.classroom import batch
    from grader.errors import SandboxError

    class_dir = tmp_path / "class"
    folder = learner(class_dir, "ann", {"ex01_activations.py": SOLUTION})
    real = batch.grade_exercise
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_batch(class_dir, book, jobs=1)
        (folder / "ex01_activations.py").write_text(SOLUTION + "\n# edited\n", encoding="utf-8")

        def broken(*args, **kwargs):
            raise SandboxError("the sandbox could not start")

        monkeypatch.setattr(batch, "grade_exercise", broken)
        failed = run_batch(class_dir, book, jobs=1)
        record = book.load()
        assert failed.failed == 1
        assert record.problems["ann"] == ("ex01_activations.py: could not be graded (the sandbox could not start)",)
        # the grade held was of the file before the edit: not current any more
        assert current(record, "ann") == {}
        monkeypatch.setattr(batch, "grade_exercise", real)
        # --exercises 2 does not look at exercise 1: its grading problem stays, as does everything else of it
        run_batch(class_dir, book, jobs=1, exercises={2})
        assert book.load().problems["ann"] == record.problems["ann"]
        run_batch(class_dir, book, jobs=1)
        record = book.load()
    assert "ann" not in record.problems
    assert current(record, "ann")[1].passed


@pytest.fixture(scope="module")
def quiz_one():
    quizzes, errors = load_bank()
    if (1, "en") not in quizzes:
        pytest.skip(f"quiz 1 of the course does not load ({errors[:1]})")
    return quizzes[(1, "en")]


def test_a_removed_attempt_file_stops_counting_and_counts_again_when_it_comes_back(tmp_path, quiz_one):
    class_dir = tmp_path / "class"
    folder = learner(class_dir, "ann")
    answers = []
    for question in quiz_one.questions:
        chosen = question.answer if question.kind == "numeric" else sorted(question.correct_indices)
        answers.append({"id": question.id, "chosen": chosen, "correct": is_correct(question, chosen), "seconds": 3.0})
    first = save_attempt(folder, quiz_one, answers, time.time() - 120)
    second = save_attempt(folder, quiz_one, answers[:1], time.time() - 60, review=True)
    kept = first.read_bytes()
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_batch(class_dir, book, jobs=1)
        assert len(book.load().attempts) == 2
        first.unlink()
        run_batch(class_dir, book, jobs=1)
        (left,) = book.load().attempts
        assert left.review
        first.write_bytes(kept)
        second.unlink()
        summary = run_batch(class_dir, book, jobs=1)
        (back,) = book.load().attempts
    assert summary.attempts == 0, "an attempt put back is the one stored, not a new one"
    assert not back.review
    assert back.score == len(quiz_one.questions)


# --- notebooks, zips, Shift_JIS, times ------------------------------------------------------------------------


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "source": cell, "metadata": {}, "outputs": [], "execution_count": None}
                for cell in cells
            ],
        }
    )


def zip_bytes(entries: dict[str, str | bytes], date_time=(2025, 4, 1, 9, 30, 0)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def test_a_notebook_a_zip_upload_and_a_shift_jis_file_are_graded(tmp_path):
    class_dir = tmp_path / "class"
    learner(
        class_dir,
        "nb",
        {"ex01_activations.ipynb": notebook("%matplotlib inline\n!pip install numpy\nimport numpy as np", SOLUTION)},
    )
    learner(class_dir, "zip", {"submission.zip": zip_bytes({"work/ex01_activations.py": SOLUTION})})
    japanese = "# 活性化関数の実装\n" + SOLUTION + '\nLABEL = "ステップ関数"  # 日本語の文字列\n'
    sjis = learner(class_dir, "sjis", {"ex01_activations.py": japanese.encode("cp932")})
    os.utime(sjis / "ex01_activations.py", (1743500000, 1743500000))
    with Gradebook(tmp_path / "book.sqlite") as book:
        summary = run_batch(class_dir, book, jobs=2)
        record = book.load()
    assert (summary.graded, summary.failed) == (3, 0), record.problems
    rows = {row.learner: row for row in record.submissions}
    assert {name: (row.source, row.passed) for name, row in rows.items()} == {
        "nb": ("ipynb", True),
        "zip": ("zip", True),
        "sjis": ("py", True),
    }
    assert rows["zip"].file_name == "submission.zip/work/ex01_activations.py"
    # a zip entry's time is local time (no zone in a zip): 09:30 here, in UTC
    assert rows["zip"].submitted_at == datetime(2025, 4, 1, 9, 30).astimezone().astimezone(UTC).isoformat()
    assert rows["sjis"].submitted_at == "2025-04-01T09:33:20+00:00"
    assert record.problems == {}


def test_the_stub_as_a_notebook_is_not_attempted_not_a_crash(tmp_path):
    class_dir = tmp_path / "class"
    learner(class_dir, "ann", {"ex01_activations.ipynb": notebook(STUB)})
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_batch(class_dir, book, jobs=1)
        (row,) = book.load().submissions
    assert not row.attempted
    assert row.score == 0


def test_decode_order_and_the_staged_coding_line():
    text = "# -*- coding: shift_jis -*-\nNAME = '活性化'\n"
    decoded = uploads.decode_source(text.encode("shift_jis"))
    assert decoded.splitlines() == ["# -*- coding: utf-8 -*-", "NAME = '活性化'"]
    assert uploads.decode_source(b"\xef\xbb\xbfx = '\xe3\x81\x82'\n") == "x = 'あ'\n"
    assert uploads.decode_source("x = 'あ'\n".encode("cp932")) == "x = 'あ'\n"
    compile(decoded.encode("utf-8"), "staged.py", "exec")  # the staged copy reads as the UTF-8 it is
    for hostile in (b"\xff\xfex\x00=\x001\x00", b"x = '\x80'\n"):  # UTF-16, a byte no Shift_JIS text has
        with pytest.raises(uploads.UploadError, match="nor Shift_JIS"):
            uploads.decode_source(hostile)


@pytest.mark.parametrize("seconds", [1e20, -1e20, float("nan")])
def test_a_hostile_modification_time_gives_no_time_not_a_crash(seconds):
    assert uploads.utc_time(seconds) is None


def test_an_invalid_zip_time_gives_no_time():
    assert uploads.zip_time((2025, 0, 0, 25, 61, 62)) is None
    assert uploads.zip_time((2025, 4, 1, 0, 0, 0)) is not None


# --- hostile zips -------------------------------------------------------------------------------------------


def symlink_entry() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("ex01_activations.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def encrypted_entry() -> bytes:
    data = bytearray(zip_bytes({"ex01_activations.py": SOLUTION}))
    # set the "encrypted" flag in the local header and in the central directory
    data[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    return bytes(data)


def not_utf8_name() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ex01_活性化.py", SOLUTION)
    data = bytearray(buffer.getvalue())
    utf8 = "ex01_活性化.py".encode()
    sjis = "ex01_活性化.py".encode("cp932").ljust(len(utf8), b"_")
    data = bytearray(bytes(data).replace(utf8, sjis))
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):  # clear the UTF-8 flag: a Windows zip tool's cp932 name
        at = data.find(marker)
        flag = at + (6 if marker == b"PK\x03\x04" else 8)
        data[flag + 1] &= ~0x08
    return bytes(data)


def many_entries(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index in range(count):
            archive.writestr(f"f{index}", b"")
    return buffer.getvalue()


HOSTILE_ZIPS = {
    "traversal": (lambda: zip_bytes({"../../escaped/ex01_activations.py": SOLUTION}), "leads out of the zip (..)"),
    "absolute": (lambda: zip_bytes({"/tmp/escaped/ex01_activations.py": SOLUTION}), "has an absolute path"),
    "windows-absolute": (lambda: zip_bytes({"C:\\escaped\\ex01_activations.py": SOLUTION}), "has an absolute path"),
    "symlink": (symlink_entry, "is a symbolic link; left out"),
    "encrypted": (encrypted_entry, "is encrypted"),
    "nested": (lambda: zip_bytes({"inner.zip": zip_bytes({"ex01_activations.py": SOLUTION})}), "a zip inside the zip"),
    "not-utf8-name": (not_utf8_name, "has a name that is not UTF-8"),
    "bomb": (lambda: zip_bytes({"ex01_activations.py": b"\0" * (20 << 20)}), "compressed more than 100 to 1"),
    "10000-entries": (lambda: many_entries(10_000), "holds more than 1000 entries"),
    "not-a-zip": (lambda: b"PK\x03\x04 garbage", "is not a zip file"),
}


def test_hostile_zips_are_each_a_problem_and_nothing_is_written_outside_the_scratch_folder(tmp_path):
    class_dir = tmp_path / "deep" / "class"
    for name, (build, _message) in HOSTILE_ZIPS.items():
        learner(class_dir, name, {"upload.zip": build()})
    before = sorted(str(path) for path in tmp_path.rglob("*"))
    with Gradebook(tmp_path / "book.sqlite") as book:
        summary = run_batch(class_dir, book, jobs=1)
        record = book.load()
    assert summary.learners == len(HOSTILE_ZIPS)
    assert (summary.graded, record.submissions) == (0, ())
    for name, (_build, message) in HOSTILE_ZIPS.items():
        assert message in " | ".join(record.problems.get(name, ())), (name, record.problems.get(name))
    after = sorted(str(path) for path in tmp_path.rglob("*") if not path.name.startswith("book.sqlite"))
    assert after == before, "the batch wrote nothing but its gradebook"
    assert not Path("/tmp/escaped").exists()


def test_at_most_ten_zips_are_opened_per_learner(tmp_path):
    files = {f"z{index:02d}.zip": zip_bytes({f"ex01_copy{index:02d}.py": "x = 1\n"}) for index in range(12)}
    learner(tmp_path / "class", "ann", files)
    (found,) = discover(tmp_path / "class")
    (task,) = plan([found], None)
    assert task.shown == "z00.zip/ex01_copy00.py"
    problems = " | ".join(found.problems)
    assert "more than 10 zip files; the rest were not opened" in problems
    assert "z09.zip/ex01_copy09.py" in problems
    assert "z10.zip" not in problems


def test_a_zip_keeps_its_good_entries_next_to_a_refused_one(tmp_path):
    data = zip_bytes({"../evil.py": "x = 1", "ex01_activations.py": SOLUTION, "__MACOSX/ex02_x.py": "junk"})
    listing = uploads.list_zip(data, "up.zip", 0)
    assert [(c.exercise, c.relative, c.depth, c.source) for c in listing.candidates] == [
        (1, "up.zip/ex01_activations.py", 1, "zip")
    ]
    assert listing.problems == ("up.zip/../evil.py leads out of the zip (..); left out",)


def test_a_zip_entry_with_windows_separators_is_staged_under_its_own_name():
    listing = uploads.list_zip(zip_bytes({"work\\sub\\ex01_activations.ipynb": notebook(SOLUTION)}), "up.zip", 0)
    (candidate,) = listing.candidates
    assert (candidate.depth, candidate.kind, candidate.file_name) == (3, "ipynb", "ex01_activations.ipynb")
    assert candidate.staged_name == "ex01_activations.py"


def test_a_zip_member_is_read_with_a_bound_whatever_its_header_says(tmp_path):
    data = bytearray(zip_bytes({"ex01_activations.py": b"#" * (2 << 20)}))
    # the central directory claims 10 bytes; the read still stops at the limit, never past it
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(uploads.UploadError):
        uploads.read_member(bytes(data), "ex01_activations.py")


def test_plan_lists_every_candidate_and_hashes_only_the_chosen_one(tmp_path):
    class_dir = tmp_path / "class"
    learner(
        class_dir,
        "ann",
        {
            "ex01_activations.ipynb": notebook(SOLUTION),
            "ex01_activations.py": SOLUTION,
            "old.zip": zip_bytes({"ex01_activations.py": "raise SystemExit"}),
        },
    )
    (found,) = discover(class_dir)
    (task,) = plan([found], None)
    assert (task.shown, task.candidate.source) == ("ex01_activations.py", "py")
    assert found.problems == [
        "3 files for exercise 1: graded ex01_activations.py (the shallowest; then .py over .ipynb over a zip; "
        "then by name), not ex01_activations.ipynb, old.zip/ex01_activations.py; keep one copy of each exercise"
    ]


def test_roster_csv_example_in_the_docs_loads():
    roster = load_roster(ROOT / "docs" / "instructors" / "examples" / "roster.csv")
    assert len(roster.entries) >= 3
    with (ROOT / "docs" / "instructors" / "examples" / "roster.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == ["login", "lms_id", "name", "section"]
