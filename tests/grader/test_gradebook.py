"""The SQLite gradebook: schema, what is stored, idempotence, two writers at once, crashes mid-write."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from classbook import HINT, attempt, make_result

from grader.classroom.gradebook import SCHEMA_VERSION, AttemptError, Gradebook, GradebookError
from grader.grading.results import Status

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "schema_version",
    "learners",
    "submissions",
    "check_results",
    "problems",
    "quiz_attempts",
    "quiz_answers",
    "settings",
    "similar_pairs",
}


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "gradebook.sqlite"


def raw(path: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, args).fetchall()


# --- schema -----------------------------------------------------------------------------------


def test_a_new_gradebook_has_the_schema_in_wal_mode(path):
    with Gradebook(path) as gradebook:
        assert gradebook.schema_version() == SCHEMA_VERSION == 4
        assert gradebook.integrity_check() == "ok"
    tables = {name for (name,) in raw(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == TABLES
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]


def test_opening_again_keeps_the_data(path):
    with Gradebook(path) as gradebook:
        gradebook.record_problem("ann", "ex11.py: unknown file")
    with Gradebook(path) as gradebook:
        assert gradebook.learners() == ["ann"]
        assert gradebook.schema_version() == SCHEMA_VERSION


def test_a_schema_1_gradebook_is_migrated_keeping_its_grades(path):
    from grader.classroom.gradebook import _SCHEMA_1

    with sqlite3.connect(path) as connection:  # a gradebook as the grader of schema 1 left it
        for statement in _SCHEMA_1.split(";"):
            if statement.strip():
                connection.execute(statement)
        connection.execute("INSERT INTO schema_version (version) VALUES (1)")
        connection.execute("INSERT INTO learners (id, name, first_seen) VALUES (1, 'ann', '2026-01-01T00:00:00+00:00')")
        connection.execute(
            "INSERT INTO submissions (learner_id, exercise, file_name, content_hash, graded_at, score, max_score, "
            "passed, attempted, elapsed) VALUES (1, 3, 'ex03_backward.py', 'h', '2026-01-02T00:00:00+00:00', "
            "4, 16, 0, 1, 0.5)"
        )
    with Gradebook(path) as gradebook:
        assert gradebook.schema_version() == SCHEMA_VERSION
        record = gradebook.load()
    (submission,) = record.submissions
    assert (submission.learner, submission.exercise, submission.score, submission.max_score) == ("ann", 3, 4, 16)
    assert (submission.submitted_at, submission.source, submission.blocked_by) == (None, "py", None)
    assert record.people["ann"].has_folder
    assert not record.people["ann"].in_roster
    assert [(row.exercise, row.current) for row in record.history] == [(3, True)]


def test_a_gradebook_from_a_newer_grader_is_refused(path):
    Gradebook(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(GradebookError, match=r"newer grader .*schema 99.*pip install -U dlgrade"):
        Gradebook(path)


def test_another_sqlite_file_is_not_taken_for_a_gradebook(path):
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(GradebookError, match="not a gradebook"):
        Gradebook(path)


def test_a_file_that_is_not_sqlite_is_refused(path):
    path.write_bytes(b"learner,score\nann,3\n" * 100)
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook(path)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(GradebookError, match="is a folder"):
        Gradebook(tmp_path)


# --- submissions --------------------------------------------------------------------------------


def test_a_submission_and_its_checks_are_stored_in_both_languages(path):
    result = make_result(1, [Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED])
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("ann", 1, "ex01_activations.py", "hash-1", result)
        record = gradebook.load()
    (submission,) = record.submissions
    assert (submission.learner, submission.exercise, submission.file_name, submission.content_hash) == (
        "ann",
        1,
        "ex01_activations.py",
        "hash-1",
    )
    assert (submission.score, submission.max_score, submission.passed, submission.attempted) == (1.0, 3.0, False, True)
    assert submission.graded_at.endswith("+00:00")
    assert [check.status for check in submission.checks] == [Status.PASSED, Status.FAILED, Status.NOT_ATTEMPTED]
    failed = submission.checks[1]
    assert failed.name == "f1: check 1"
    assert failed.title("ja") == "f1: 確認 1"
    assert failed.message("en") == result.results[1].message("en")
    assert failed.message("ja") == result.results[1].message("ja")
    assert "hint: look at the axis of the sum" in failed.message("en")
    assert (failed.hint("en"), failed.hint("ja")) == (HINT.en, HINT.ja)
    assert submission.checks[0].hint("en") is None


def test_recording_again_replaces_the_checks_and_keeps_the_history(path):
    with Gradebook(path) as gradebook:
        gradebook.record_exercise(
            "ann", 1, "ex01_activations.py", "first", make_result(1, [Status.FAILED, Status.FAILED])
        )
        gradebook.record_exercise(
            "ann", 1, "ex01_activations.py", "second", make_result(1, [Status.PASSED, Status.PASSED, Status.PASSED])
        )
        (submission,) = gradebook.load().submissions
    assert submission.content_hash == "second"
    assert [check.status for check in submission.checks] == [Status.PASSED] * 3
    assert raw(path, "SELECT content_hash, current FROM submissions ORDER BY id") == [("first", 0), ("second", 1)]
    assert raw(path, "SELECT count(*) FROM check_results") == [(3,)]


def test_is_graded_compares_with_the_current_submission_only(path):
    with Gradebook(path) as gradebook:
        assert not gradebook.is_graded("ann", 1, "a")
        gradebook.record_exercise("ann", 1, "ex01.py", "a", make_result(1, [Status.PASSED]))
        assert gradebook.is_graded("ann", 1, "a")
        assert not gradebook.is_graded("ann", 2, "a")
        assert not gradebook.is_graded("bob", 1, "a")
        gradebook.record_exercise("ann", 1, "ex01.py", "b", make_result(1, [Status.PASSED]))
        # going back to the first file is a change that needs grading
        assert not gradebook.is_graded("ann", 1, "a")
        assert gradebook.graded_hashes() == {("ann", 1): "b"}


def test_learners_are_listed_once_and_sorted(path):
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("carol", 1, "ex01.py", "c", make_result(1, [Status.PASSED]))
        gradebook.record_exercise("ann", 2, "ex02.py", "a", make_result(2, [Status.PASSED]))
        gradebook.record_exercise("ann", 3, "ex03.py", "a3", make_result(3, [Status.PASSED]))
        gradebook.record_problem("bob", "empty folder")
        assert gradebook.learners() == ["ann", "bob", "carol"]


def test_problems_are_kept_once_and_can_be_cleared(path):
    with Gradebook(path) as gradebook:
        gradebook.record_problem("ann", "ex99_x.py: unknown file")
        gradebook.record_problem("ann", "ex99_x.py: unknown file")
        gradebook.record_problem("ann", "ex02_softmax_loss.py: not UTF-8")
        assert gradebook.load().problems == {"ann": ("ex99_x.py: unknown file", "ex02_softmax_loss.py: not UTF-8")}
        gradebook.clear_problems("ann")
        assert gradebook.load().problems == {}


def test_a_learner_is_a_non_empty_string(path):
    with Gradebook(path) as gradebook, pytest.raises(GradebookError, match="non-empty string"):
        gradebook.record_problem("", "x")


# --- quiz attempts ------------------------------------------------------------------------------------


def test_a_quiz_attempt_is_stored_once_per_content_hash(path):
    record = attempt(
        3,
        [("forward-difference", 6.0001, True), ("lr-stability-v2", [0, 2], False)],
        started="2025-04-01T10:00:00+09:00",
    )
    with Gradebook(path) as gradebook:
        assert gradebook.record_quiz_attempt("ann", record, "h") is True
        assert gradebook.record_quiz_attempt("ann", record, "h") is False
        # the same file handed in by another learner is that learner's attempt
        assert gradebook.record_quiz_attempt("bob", record, "h") is True
        stored = gradebook.load().attempts
    assert [row.learner for row in stored] == ["ann", "bob"]
    first = stored[0]
    assert (first.quiz, first.slug, first.lang, first.review, first.score, first.max_score) == (
        3,
        "03-test",
        "en",
        False,
        1.0,
        2.0,
    )
    assert [(a.question_id, a.chosen, a.correct, a.seconds) for a in first.answers] == [
        ("forward-difference", 6.0001, True, 10.0),
        ("lr-stability-v2", [0, 2], False, 10.0),
    ]
    assert raw(path, "SELECT count(*) FROM quiz_answers") == [(4,)]


def test_attempts_come_back_oldest_first_whatever_the_recording_order(path):
    later = attempt(1, [("q", [1], True)], started="2025-04-02T09:00:00+09:00")
    earlier = attempt(1, [("q", [0], False)], started="2025-04-01T23:00:00-05:00")  # 2025-04-02T04:00Z
    with Gradebook(path) as gradebook:
        gradebook.record_quiz_attempt("ann", later, "later")
        gradebook.record_quiz_attempt("ann", earlier, "earlier")
        stored = gradebook.load().attempts
    # 09:00+09:00 is 00:00Z on the 2nd, before 04:00Z
    assert [row.answers[0].chosen for row in stored] == [[1], [0]]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param([1, 2], "JSON object", id="a-list"),
        pytest.param({"questions": []}, '"quiz" number', id="no-quiz"),
        pytest.param({"quiz": True, "questions": []}, '"quiz" number', id="quiz-is-bool"),
        pytest.param({"quiz": 3}, '"questions" list', id="no-questions"),
        pytest.param({"quiz": 3, "questions": [{"chosen": 1}]}, 'question 1 .* no "id"', id="no-id"),
        pytest.param(
            {"quiz": 3, "questions": [{"id": "ok"}, {"id": "<script>alert(1)</script>"}]},
            "question 2 .* has the id '<script>.*edited by hand",
            id="not-an-id",
        ),
        pytest.param({"quiz": 10**30, "questions": []}, "between 0 and 9999; .* about 31 digits", id="quiz-10**30"),
        pytest.param({"quiz": -1, "questions": []}, "between 0 and 9999", id="quiz-negative"),
        pytest.param(
            {"quiz": 1, "questions": [{"id": "a"}] * 1001}, "1001 questions; a quiz has at most 1000", id="too-long"
        ),
        pytest.param(
            {"quiz": 1, "score": 3, "max_score": 2, "questions": [{"id": "a"}]}, "score of 3 out of 2", id="score>max"
        ),
        pytest.param(
            {"quiz": 1, "questions": [{"id": "a", "chosen": list(range(1000))}]}, "characters long", id="long-answer"
        ),
        pytest.param({"quiz": 1, "questions": [{"id": "a" * 65}]}, "has the id 'aaaa", id="long-id"),
    ],
)
def test_a_file_that_is_not_an_attempt_is_refused_with_the_reason(path, document, message):
    with Gradebook(path) as gradebook:
        with pytest.raises(AttemptError, match=message):
            gradebook.record_quiz_attempt("ann", document, "h")
        assert gradebook.load().attempts == ()
    assert issubclass(AttemptError, ValueError)  # one `except ValueError` also catches json.JSONDecodeError


def test_numbers_no_attempt_can_have_fall_back_or_are_dropped(path):
    document = {
        "quiz": 1,
        "score": 10**400,
        "max_score": float("nan"),
        "started": "\x1b[2J" + "9" * 500,
        "questions": [{"id": "a", "correct": True, "seconds": 10**400}, {"id": "b", "seconds": -3}],
    }
    with Gradebook(path) as gradebook:
        gradebook.record_quiz_attempt("ann", document, "h")
        (stored,) = gradebook.load().attempts
    assert (stored.score, stored.max_score) == (1.0, 2.0)  # counted from the questions
    assert [answer.seconds for answer in stored.answers] == [None, None]
    assert stored.started.startswith("\\x1b[2J")
    assert len(stored.started) < 120


def test_the_same_attempt_file_scored_again_is_updated_not_duplicated(path):
    first = attempt(1, [("q", [1], False)], started="2025-04-01T10:00:00+09:00")
    rescored = attempt(1, [("q", [1], True)], started="2025-04-01T10:00:00+09:00")
    with Gradebook(path) as gradebook:
        assert gradebook.record_quiz_attempt("ann", first, "h") is True
        assert gradebook.record_quiz_attempt("ann", rescored, "h") is True
        assert gradebook.record_quiz_attempt("ann", rescored, "h") is False
        (stored,) = gradebook.load().attempts
        assert (stored.score, stored.answers[0].correct) == (1.0, True)
        assert gradebook.forget_quiz_attempt("ann", "h") is True
        assert gradebook.forget_quiz_attempt("ann", "h") is False
        assert gradebook.load().attempts == ()
    assert raw(path, "SELECT count(*) FROM quiz_answers") == [(0,)]


def test_problems_can_be_replaced_in_one_go(path):
    with Gradebook(path) as gradebook:
        gradebook.record_problem("ann", "old problem")
        gradebook.replace_problems("ann", ["new problem", "\x1b[31mred\x1b[0m", "x" * 5000])
        (first, second, third) = gradebook.load().problems["ann"]
        gradebook.replace_problems("ann", [])
        assert gradebook.load().problems == {}
    assert (first, second) == ("new problem", "\\x1b[31mred\\x1b[0m")
    assert third.startswith("x" * 600)
    assert third.endswith("(4400 more characters cut)")


def test_names_are_stored_on_one_line_and_found_again(path):
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("ann\n\x1b[2Jbob", 1, "ex01.py", "h", make_result(1, [Status.PASSED]))
        assert gradebook.learners() == ["ann\\n\\x1b[2Jbob"]
        assert gradebook.is_graded("ann\n\x1b[2Jbob", 1, "h")
        assert gradebook.is_graded("ann\\n\\x1b[2Jbob", 1, "h")


# --- a disk that is full, a file that can not be written ----------------------------------------------


def test_a_folder_that_can_not_be_made_is_a_gradebook_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(GradebookError, match=r"the folder of the gradebook .* can not be made .*--db"):
        Gradebook(tmp_path / "file" / "gradebook.sqlite")


def test_a_gradebook_that_reaches_its_size_limit_keeps_what_it_had(path):
    # SQLite's max_page_count gives SQLITE_FULL, the error of a full disk, without filling one
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("ann", 1, "ex01.py", "a", make_result(1, [Status.PASSED] * 3))
        pages = gradebook._connection.execute("PRAGMA page_count").fetchone()[0]
        gradebook._connection.execute(f"PRAGMA max_page_count = {pages}")

        def record_many() -> None:
            for index in range(200):
                gradebook.record_exercise(f"l{index}", 2, "ex02.py", "b", make_result(2, [Status.FAILED] * 30))

        with pytest.raises(GradebookError, match=r"disk holding the gradebook .* is full .*free some space"):
            record_many()
        assert gradebook.integrity_check() == "ok"
        record = gradebook.load()
    assert ("ann", 1) in {(row.learner, row.exercise) for row in record.submissions}
    # every submission is whole: none lost its checks to the failed write
    assert all(len(row.checks) == (3 if row.exercise == 1 else 30) for row in record.submissions)


def test_missing_optional_fields_get_defaults(path):
    with Gradebook(path) as gradebook:
        gradebook.record_quiz_attempt("ann", {"quiz": 2, "questions": [{"id": "a", "correct": True}]}, "h")
        (stored,) = gradebook.load().attempts
    assert (stored.score, stored.max_score, stored.started) == (1.0, 1.0, "")
    assert stored.answers[0].chosen is None
    assert stored.answers[0].seconds is None


# --- crashes and concurrency --------------------------------------------------------------------------

CHILD_PRELUDE = f"""
import os, sys
sys.path[:0] = [{str(ROOT)!r}, {str(Path(__file__).parent)!r}]
from pathlib import Path
from classbook import make_result
from grader.classroom.gradebook import Gradebook
"""


def run_child(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_process_killed_in_the_middle_of_a_submission_leaves_none_of_it(path):
    done = run_child(
        f"""
        gradebook = Gradebook(Path({str(path)!r}))
        for number in (1, 2, 3):
            gradebook.record_exercise("ann", number, "ex.py", f"h{{number}}", make_result(number, ["passed"] * 5))
        connection = gradebook._connection
        before = connection.total_changes
        # die (no clean-up, like a power cut for this process) once the submission row is written
        # and the check rows are being inserted
        connection.set_progress_handler(lambda: os._exit(9) if connection.total_changes > before + 1 else 0, 1)
        gradebook.record_exercise("ann", 4, "ex04.py", "h4", make_result(4, ["failed"] * 50))
        print("not reached")
        """
    )
    assert done.returncode == 9, done.stderr
    assert "not reached" not in done.stdout
    with Gradebook(path) as gradebook:
        assert gradebook.integrity_check() == "ok"
        record = gradebook.load()
        assert [row.exercise for row in record.submissions] == [1, 2, 3]
        assert all(len(row.checks) == 5 for row in record.submissions)
        assert not gradebook.is_graded("ann", 4, "h4")
        # the gradebook is writable again: the next run grades exercise 4
        gradebook.record_exercise("ann", 4, "ex04.py", "h4", make_result(4, ["passed"] * 2))
        assert gradebook.is_graded("ann", 4, "h4")
    assert raw(path, "SELECT count(*) FROM check_results") == [(17,)]


def test_an_error_in_the_middle_of_a_write_rolls_it_back(path):
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("ann", 1, "ex01.py", "old", make_result(1, [Status.PASSED] * 3))
        connection = gradebook._connection
        before = connection.total_changes
        interrupted = []

        def interrupt_once() -> int:
            # a non-zero return interrupts the running statement, as sqlite3_interrupt() does
            if connection.total_changes > before + 2 and not interrupted:
                interrupted.append(True)
                return 1
            return 0

        connection.set_progress_handler(interrupt_once, 1)
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            gradebook.record_exercise("ann", 1, "ex01.py", "new", make_result(1, [Status.FAILED] * 40))
        connection.set_progress_handler(None, 0)
        (submission,) = gradebook.load().submissions
        # the old submission is still the current one, with its checks
        assert submission.content_hash == "old"
        assert [check.status for check in submission.checks] == [Status.PASSED] * 3
    assert raw(path, "SELECT count(*) FROM submissions") == [(1,)]


def test_two_processes_writing_at_once_lose_nothing(path):
    writer = """
        gradebook = Gradebook(Path({path!r}), timeout=60)
        for index in range(40):
            learner = f"{prefix}-{{index:02d}}"
            gradebook.record_exercise(learner, 1, "ex01.py", f"h{{index}}", make_result(1, ["passed", "failed"] * 6))
            gradebook.record_problem("shared", f"{prefix} {{index}}")
            number = 1 + index % 5
            result = make_result(number, ["failed"] * 4)
            gradebook.record_exercise("shared", number, "ex.py", f"{prefix}{{index}}", result)
        gradebook.close()
        print("done")
        """
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(writer.format(path=str(path), prefix=prefix))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    outputs = [child.communicate(timeout=180) for child in children]
    for child, (stdout, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
        assert stdout.strip() == "done"
    with Gradebook(path) as gradebook:
        assert gradebook.integrity_check() == "ok"
        record = gradebook.load()
    assert len(record.learners) == 81
    by_learner = {(row.learner, row.exercise): row for row in record.submissions}
    assert all((f"{prefix}-{index:02d}", 1) in by_learner for prefix in "ab" for index in range(40))
    assert all(len(row.checks) == 12 for key, row in by_learner.items() if key[0] != "shared")
    # the shared learner: one current submission per exercise, each complete
    shared = [row for row in record.submissions if row.learner == "shared"]
    assert sorted(row.exercise for row in shared) == [1, 2, 3, 4, 5]
    assert all(len(row.checks) == 4 for row in shared)
    assert len(record.problems["shared"]) == 80
    assert raw(path, "SELECT count(*) FROM submissions WHERE current = 1") == [(85,)]
    assert raw(path, "SELECT count(*) FROM submissions") == [(160,)]


def test_two_processes_creating_the_same_gradebook_at_once(path):
    code = f"""
        Gradebook(Path({str(path)!r})).close()
        print("ok")
        """
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD_PRELUDE + textwrap.dedent(code)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for child in children:
        stdout, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
    assert raw(path, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_a_reader_sees_a_consistent_snapshot_while_a_writer_works(path):
    with Gradebook(path) as writer, Gradebook(path) as reader:
        writer.record_exercise("ann", 1, "ex01.py", "h", make_result(1, [Status.PASSED] * 4))
        with reader._read() as db:
            first = db.execute("SELECT count(*) FROM check_results").fetchone()[0]
            writer.record_exercise("bob", 1, "ex01.py", "h", make_result(1, [Status.PASSED] * 4))
            again = db.execute("SELECT count(*) FROM check_results").fetchone()[0]
        assert first == again == 4
        assert len(reader.load().submissions) == 2


def test_one_gradebook_can_be_shared_by_threads(path):
    from concurrent.futures import ThreadPoolExecutor

    with Gradebook(path) as gradebook, ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda index: gradebook.record_exercise(
                    f"l{index}", 1, "ex01.py", "h", make_result(1, [Status.PASSED] * 3)
                ),
                range(40),
            )
        )
        assert len(gradebook.load().submissions) == 40


def test_a_locked_gradebook_waits_then_says_what_to_do(path):
    Gradebook(path).close()
    with Gradebook(path, timeout=0.3) as gradebook:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(GradebookError, match=r"locked by another process for 0.3 s; wait for the other"):
                gradebook.record_problem("ann", "x")
            with pytest.raises(GradebookError, match="locked by another process"):
                Gradebook(path, timeout=0.3)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        gradebook.record_problem("ann", "x")
        assert gradebook.learners() == ["ann"]
