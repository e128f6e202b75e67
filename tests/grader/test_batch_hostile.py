"""grade batch against hostile class folders: nothing a learner folder holds, names or reports is trusted.

Each attack is one learner's folder next to an honest learner ("ann") whose
genuine quiz attempt (saved by ``grader.quiz.attempts.save_attempt``, as ``grade
quiz`` does) must still be recorded with its own score: a hostile folder is a
problem for its learner, never the end of the batch.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from classbook import make_result
from click.testing import CliRunner

from grader.classroom.batch import MAX_ATTEMPT_BYTES, MAX_DEPTH, MAX_ENTRIES, MAX_SOURCE_BYTES, discover, run_batch
from grader.classroom.gradebook import MESSAGE_LIMIT, PROBLEM_LIMIT, Gradebook, GradebookError
from grader.classroom.report import build_report, render_html, write_csvs
from grader.cli import main
from grader.grading.engine import EXERCISES
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.quiz.attempts import save_attempt
from grader.quiz.bank import is_correct, load_bank

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOLUTIONS = ROOT / "solutions"
CONTROL = {chr(code) for code in range(0x20) if code not in (0x09, 0x0A)} | {"\x7f"}


@pytest.fixture(scope="module")
def bank() -> dict:
    quizzes, errors = load_bank()
    if (1, "en") not in quizzes:
        pytest.skip(f"quiz 1 of the course does not load ({errors[:1]})")
    return quizzes


def answers_to(quiz, right: int) -> list[dict]:
    """Answers to every question of ``quiz``: the first ``right`` right, the others wrong, as run_quiz returns."""
    answers = []
    for index, question in enumerate(quiz.questions):
        if question.kind == "numeric":
            chosen = question.answer if index < right else question.answer + 1000.0
        elif index < right:
            chosen = sorted(question.correct_indices)
        else:
            chosen = [next(i for i in range(len(question.options)) if i not in question.correct_indices)]
        answers.append({"id": question.id, "chosen": chosen, "correct": is_correct(question, chosen), "seconds": 9.5})
    assert sum(answer["correct"] for answer in answers) == right
    return answers


def honest_learner(class_dir: Path, bank: dict, name: str = "ann", right: int = 5) -> Path:
    """A learner with one genuine full attempt at quiz 1, saved as grade quiz saves it."""
    folder = class_dir / name
    folder.mkdir(parents=True)
    return save_attempt(folder, bank[(1, "en")], answers_to(bank[(1, "en")], right), time.time() - 60)


def attempt_file(folder: Path, document: object | str | bytes, name: str = "01-en-20250401T100000000000.json") -> Path:
    """An attempt file in ``folder/.grade/quiz-attempts`` holding ``document`` (JSON-encoded unless text or bytes)."""
    target = folder / ".grade" / "quiz-attempts"
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    if isinstance(document, bytes):
        path.write_bytes(document)
    else:
        path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def assert_honest_learner_recorded(record, bank: dict, right: int = 5) -> None:
    (attempt,) = [row for row in record.attempts if row.learner == "ann"]
    assert (attempt.quiz, attempt.score, attempt.max_score) == (1, right, len(bank[(1, "en")].questions))
    assert "ann" not in record.problems


def problems_of(record, learner: str) -> str:
    return " | ".join(record.problems.get(learner, ()))


def deep_tree(folder: Path, depth: int) -> Path:
    """``folder/a/a/.../a`` ``depth`` levels deep, made without recursion (os.makedirs recurses)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("a", dir_fd=handle)
            deeper = os.open("a", os.O_RDONLY, dir_fd=handle)
            os.close(handle)
            handle = deeper
        descriptor = os.open("ex01_activations.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=handle)
        os.write(descriptor, (SOLUTIONS / "ex01_activations.py").read_bytes())
        os.close(descriptor)
    finally:
        os.close(handle)
    return folder


def remove_tree(folder: Path) -> None:
    """Remove a tree too deep for shutil.rmtree (it recurses)."""
    subprocess.run(["rm", "-rf", str(folder)], check=False)


# --- 1. symbolic links and files that are not regular files --------------------------------------------------


def test_symlinks_are_never_followed(tmp_path, bank):
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    ann_exercise = class_dir / "ann" / "ex01_activations.py"
    shutil.copy(SOLUTIONS / "ex01_activations.py", ann_exercise)
    secret = tmp_path / "outside" / "secret.py"
    secret.parent.mkdir()
    secret.write_text("TOP_SECRET_MARKS = 'SECRET-7f3a'\n")
    bob = class_dir / "bob"
    bob.mkdir()
    # bob's exercise 1 is his classmate's file, his exercise 2 a file outside the class, and his
    # exercise 3 imports exercise 2 (the sandbox copies a submission's siblings: it must never see the link)
    (bob / "ex01_activations.py").symlink_to(ann_exercise)
    (bob / "ex03_backward.py").write_text("from ex02_softmax_loss import *  # noqa\n")
    (bob / "ex02_softmax_loss.py").symlink_to(secret)
    (bob / "notes").symlink_to(secret.parent, target_is_directory=True)
    (bob / ".grade").symlink_to(class_dir / "ann" / ".grade", target_is_directory=True)
    (class_dir / "carol").symlink_to(class_dir / "ann", target_is_directory=True)
    database = tmp_path / "gradebook.sqlite"
    with Gradebook(database) as gradebook:
        summary = run_batch(class_dir, gradebook, jobs=2)
        record = gradebook.load()
    by_learner = {(row.learner, row.exercise): row for row in record.submissions}
    assert by_learner[("ann", 1)].passed
    assert ("bob", 1) not in by_learner, "bob got his classmate's marks through a symlink"
    assert ("bob", 2) not in by_learner
    assert not by_learner[("bob", 3)].passed
    bob_problems = problems_of(record, "bob")
    for name in ("ex01_activations.py", "ex02_softmax_loss.py", "notes", ".grade"):
        assert f"{name} is a symbolic link; not followed" in bob_problems
    assert "carol" in record.learners
    assert "symbolic link; not followed" in problems_of(record, "carol")
    assert not [row for row in record.submissions if row.learner == "carol"]
    assert [row.learner for row in record.attempts] == ["ann"]  # neither bob nor carol took ann's attempt
    assert summary.graded == 2  # ann's exercise 1, bob's exercise 3
    report = build_report(record, bank)
    write_csvs(report, tmp_path / "csv")
    everything = repr(record) + render_html(report, "en")
    everything += "".join(path.read_text(encoding="utf-8-sig") for path in (tmp_path / "csv").iterdir())
    assert "SECRET-7f3a" not in everything
    assert b"SECRET-7f3a" not in database.read_bytes()


def test_fifos_sockets_and_devices_are_never_opened(tmp_path, bank):
    """A FIFO blocks whoever opens it for reading: the batch runs in a process with a deadline."""
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    bob = class_dir / "bob"
    bob.mkdir()
    os.mkfifo(bob / "ex01_activations.py")
    os.mkfifo(attempt_file(bob, {}).with_name("01-en-fifo.json"))
    os.mkfifo(bob / "progress.json")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(bob / "notes.txt"))
    try:
        (bob / "ex02_softmax_loss.py").symlink_to("/dev/zero")
        completed = subprocess.run(
            [sys.executable, "-m", "grader", "batch", str(class_dir), "--db", str(tmp_path / "book.sqlite")],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        listener.close()
    assert completed.returncode == 0, completed.stderr[-3000:]
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        record = gradebook.load()
    assert_honest_learner_recorded(record, bank)
    problems = problems_of(record, "bob")
    assert "ex01_activations.py is a FIFO (named pipe); not opened" in problems
    assert "progress.json is a FIFO (named pipe); not opened" in problems
    assert ".grade/quiz-attempts/01-en-fifo.json is not a regular file; not opened" in problems
    assert "notes.txt is a socket; not opened" in problems
    assert "ex02_softmax_loss.py is a symbolic link; not followed" in problems
    assert not record.submissions


# --- 2. malformed, huge and deeply nested input ---------------------------------------------------------------


def _big_integer_json(folder: Path) -> None:
    (folder / "progress.json").write_text('{"quiz": 1, "questions": [], "n": ' + "7" * 5000 + "}")


def _nested_attempt(folder: Path) -> None:
    attempt_file(folder, '{"quiz": 1, "questions": [{"id": "a", "chosen": ' + "[" * 100_000 + "]" * 100_000 + "}]}")


def _nested_json_elsewhere(folder: Path) -> None:
    (folder / "attempt.json").write_text('{"quiz": 1, "questions": ' + "[" * 50_000 + "]" * 50_000 + "}")


def _huge_quiz_number(folder: Path) -> None:
    attempt_file(folder, {"quiz": 10**30, "lang": "en", "questions": [{"id": "sigmoid-at-zero", "chosen": 0.5}]})


def _huge_score(folder: Path) -> None:
    attempt_file(
        folder,
        '{"quiz": 1, "lang": "en", "review": false, "score": 1' + "0" * 400 + ', "max_score": 14, '
        '"questions": [{"id": "sigmoid-at-zero", "chosen": 0.5, "correct": true}]}',
    )


def _nested_folders(folder: Path) -> None:
    deep_tree(folder, 1000)


def _huge_files(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    with open(folder / "ex01_activations.py", "wb") as handle:  # sparse: costs no disk
        handle.write(b"def relu(x):\n    return x\n")
        handle.truncate(8 * MAX_SOURCE_BYTES)
    path = attempt_file(folder, {"quiz": 1})
    with open(path, "r+b") as handle:
        handle.truncate(40 * MAX_ATTEMPT_BYTES)


def _not_utf8(folder: Path) -> None:
    attempt_file(folder, b'{"quiz": 1, "lang": "en", "questions": [{"id": "\xff\xfe"}]}')
    (folder / "ex01_activations.py").write_bytes(b"# \x80\x81 latin-1 comment\ndef relu(x): pass\n")
    with open(os.fsencode(folder) + b"/notes\xff.md", "w") as handle:  # a file name that is not UTF-8
        handle.write("notes")


HOSTILE = {
    "int-of-5000-digits": (_big_integer_json, "progress.json: not an exercise file or quiz attempt"),
    "attempt-nested-100000-deep": (_nested_attempt, r"01-en-20250401T100000000000.json: not a valid quiz attempt"),
    "json-nested-50000-deep": (_nested_json_elsewhere, "attempt.json: not an exercise file or quiz attempt"),
    "quiz-number-10**30": (_huge_quiz_number, "there is no quiz a number of about 31 digits"),
    "score-10**400": (_huge_score, None),
    "1000-nested-folders": (_nested_folders, f"deeper than {MAX_DEPTH} levels are not looked into"),
    "huge-files": (_huge_files, "ex01_activations.py is larger than 1 MiB (8 MiB); not read"),
    "not-utf-8": (_not_utf8, "notes\\xff.md: not an exercise file or quiz attempt; ignored"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_input_is_a_problem_for_that_learner_only(tmp_path, bank, case):
    build, expected = HOSTILE[case]
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    bob = class_dir / "bob"
    bob.mkdir()
    build(bob)
    try:
        with Gradebook(tmp_path / "book.sqlite") as gradebook:
            summary = run_batch(class_dir, gradebook, jobs=1)
            record = gradebook.load()
    finally:
        if case == "1000-nested-folders":
            remove_tree(bob)
    assert summary.learners == 2
    assert_honest_learner_recorded(record, bank)
    problems = problems_of(record, "bob")
    if case == "score-10**400":
        # a self-reported score is never read: the answer is re-scored (sigmoid(0) = 0.5 is right)
        (attempt,) = [row for row in record.attempts if row.learner == "bob"]
        assert (attempt.score, attempt.max_score) == (1, len(bank[(1, "en")].questions))
    else:
        assert expected in problems, problems
        assert not [row for row in record.attempts if row.learner == "bob"]
    assert not record.submissions
    if case == "huge-files":
        assert f"is larger than {MAX_ATTEMPT_BYTES // 1024} KiB" in problems
    if case == "not-utf-8":
        assert "ex01_activations.py: not UTF-8 text, nor Shift_JIS (cp932); save it as UTF-8" in problems
        assert "01-en-20250401T100000000000.json: not a valid quiz attempt (not UTF-8 text)" in problems


def test_the_walk_is_bounded_per_learner(tmp_path, bank):
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    bob = class_dir / "bob"
    (bob / "junk").mkdir(parents=True)
    for index in range(MAX_ENTRIES + 100):
        (bob / "junk" / f"{index:05d}.txt").touch()
    learners = {learner.name: learner for learner in discover(class_dir)}
    bob_learner = learners["bob"]
    assert f"more than {MAX_ENTRIES} files and folders" in " | ".join(bob_learner.all_problems())
    # problems are kept to a bounded number, with a count of the rest
    assert len(bob_learner.all_problems()) <= 51
    assert "more problems in this folder" in bob_learner.all_problems()[-1]
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    assert_honest_learner_recorded(record, bank)
    assert len(record.problems["bob"]) <= 51


def test_names_that_are_not_utf8_or_hold_control_characters(tmp_path, bank):
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    hostile = os.fsencode(class_dir) + b"/bad\xff\x1b]0;owned\x07"
    os.mkdir(hostile)
    with open(hostile + b"/notes\xfe\x1b[2J.txt", "w") as handle:
        handle.write("hello")
    os.mkdir(hostile + b"/sub\xfe")  # an exercise in a folder whose name is not UTF-8 is still graded
    shutil.copy(SOLUTIONS / "ex01_activations.py", os.fsdecode(hostile + b"/sub\xfe/ex01_activations.py"))
    os.mkdir(os.fsencode(class_dir) + b"/=HYPERLINK(1)")
    with open(os.fsencode(class_dir) + b"/=HYPERLINK(1)/" + b"x" * 200 + b"\x1b.md", "w") as handle:
        handle.write("hello")
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    assert_honest_learner_recorded(record, bank)
    assert "bad\\xff\\x1b]0;owned\\x07" in record.learners
    assert "notes\\xfe\\x1b[2J.txt: not an exercise file" in problems_of(record, "bad\\xff\\x1b]0;owned\\x07")
    (submission,) = record.submissions
    assert (submission.learner, submission.file_name) == ("bad\\xff\\x1b]0;owned\\x07", "sub\\xfe/ex01_activations.py")
    assert submission.passed
    assert not CONTROL & set("".join(record.learners) + "".join(p for ps in record.problems.values() for p in ps))
    report = build_report(record, bank)
    html = render_html(report, "en")
    assert "\x1b" not in html
    write_csvs(report, tmp_path / "csv")
    with open(tmp_path / "csv" / "grades.csv", encoding="utf-8-sig", newline="") as handle:
        names = [row[0] for row in csv.reader(handle)][1:]
    assert "'=HYPERLINK(1)" in names
    assert "=HYPERLINK(1)" not in names


# --- 3. a full disk, an unwritable gradebook -------------------------------------------------------------------


def make_exercise_class(folder: Path, learners: int) -> Path:
    for index in range(learners):
        learner = folder / f"learner{index:02d}"
        learner.mkdir(parents=True)
        text = (SOLUTIONS / "ex01_activations.py").read_text() + f"\n# learner {index}\n"
        (learner / "ex01_activations.py").write_text(text)
    return folder


def test_a_gradebook_in_a_folder_that_can_not_be_made_is_a_clear_error(tmp_path):
    class_dir = make_exercise_class(tmp_path / "class", 1)
    (tmp_path / "a-file").write_text("not a folder")
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(tmp_path / "a-file" / "book.sqlite")])
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "grade: the folder of the gradebook" in result.output
    assert "a-file" in result.output
    assert "--db" in result.output


def test_a_full_gradebook_stops_the_batch_and_keeps_every_result_before(tmp_path):
    """SQLite's own limit on the file (max_page_count) gives the SQLITE_FULL a full disk gives."""
    class_dir = make_exercise_class(tmp_path / "class", 12)
    database = tmp_path / "book.sqlite"
    recorded = []
    with Gradebook(database) as gradebook:
        pages = gradebook._connection.execute("PRAGMA page_count").fetchone()[0]
        # the file may not grow: the first submissions fill the free room of its pages, the next one is refused
        gradebook._connection.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(GradebookError, match=r"is full .*free some space.*everything recorded before is kept"):
            run_batch(
                class_dir,
                gradebook,
                jobs=2,
                progress=lambda done, total, task, result: result and recorded.append(task.learner),
            )
        assert gradebook.integrity_check() == "ok"
        kept = [row.learner for row in gradebook.load().submissions]
    assert 1 <= len(recorded) < 12
    assert sorted(kept) == sorted(recorded)  # every result recorded before the error, nothing half-written
    with Gradebook(database) as gradebook:
        summary = run_batch(class_dir, gradebook, jobs=2)
    assert (summary.skipped, summary.graded) == (len(recorded), 12 - len(recorded))


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MiB tmpfs mounted for the test (root only, as in CI); skipped with the reason elsewhere."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"can not mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)

    def write_until_full() -> None:
        while True:
            os.write(descriptor, b"\0" * 4096)

    try:
        with pytest.raises(OSError, match="No space left on device"):
            write_until_full()
    finally:
        os.close(descriptor)
    return filler


def test_a_full_disk_is_a_clear_error_and_the_next_run_resumes(tmp_path, small_tmpfs):
    """The disk fills up after the first grading: ENOSPC from the kernel, not a simulation."""
    class_dir = make_exercise_class(tmp_path / "class", 4)
    database = small_tmpfs / "book.sqlite"
    recorded: list[str] = []
    fillers: list[Path] = []

    def fill_after_the_first(done, total, task, result):
        if result is not None:
            recorded.append(task.learner)
            if not fillers:
                fillers.append(fill(small_tmpfs))

    with Gradebook(database) as gradebook:
        gradebook.record_exercise("earlier", 1, "ex01_activations.py", "h", make_result(1, [Status.FAILED] * 3))
        with pytest.raises(GradebookError, match=r"the disk holding the gradebook .* is full .*before is kept"):
            run_batch(class_dir, gradebook, jobs=1, progress=fill_after_the_first)
    assert recorded == ["learner00"]
    # while the disk is full, the command says so: no traceback, exit status 3
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(database), "--jobs", "2"])
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"grade: the disk holding the gradebook {database} is full" in result.output
    assert "free some space" in result.output
    fillers[0].unlink()
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(database), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "3 graded, 1 unchanged (skipped)" in result.output
    with Gradebook(database) as gradebook:
        learners = sorted(row.learner for row in gradebook.load().submissions)
    assert learners == ["earlier", "learner00", "learner01", "learner02", "learner03"]


def test_a_read_only_gradebook_is_a_clear_error(tmp_path, small_tmpfs):
    class_dir = make_exercise_class(tmp_path / "class", 1)
    database = small_tmpfs / "book.sqlite"
    with Gradebook(database) as gradebook:
        gradebook.record_exercise("earlier", 1, "ex01_activations.py", "h", make_result(1, [Status.FAILED] * 3))
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(database)])
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"grade: the gradebook {database} can not be written" in result.output
    assert "name another file with --db" in result.output
    subprocess.run(["mount", "-o", "remount,rw", str(small_tmpfs)], check=True)
    with Gradebook(database) as gradebook:
        assert [row.learner for row in gradebook.load().submissions] == ["earlier"]


# --- 4. quiz attempts are re-scored ------------------------------------------------------------------------------


def test_genuine_attempts_import_with_the_scores_grade_quiz_gave(tmp_path, bank):
    class_dir = tmp_path / "class"
    quiz = bank[(1, "ja")]
    folder = class_dir / "ann"
    folder.mkdir(parents=True)
    files = [
        save_attempt(folder, quiz, answers_to(quiz, 3), time.time() - 300),
        save_attempt(folder, quiz, answers_to(quiz, len(quiz.questions)), time.time() - 200),
        # a review asks only the questions answered wrong; it counts out of those
        save_attempt(folder, quiz, answers_to(quiz, 0)[:2], time.time() - 100, review=True),
    ]
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        summary = run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    assert summary.attempts == 3
    saved = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    stored = sorted(record.attempts, key=lambda row: row.started)
    assert [(row.score, row.max_score, row.review, row.lang) for row in stored] == [
        (document["score"], document["max_score"], document["review"], "ja") for document in saved
    ]
    assert [answer.correct for answer in stored[0].answers] == [q["correct"] for q in saved[0]["questions"]]
    assert record.problems == {}


def test_a_self_reported_score_is_ignored(tmp_path, bank):
    quiz = bank[(1, "en")]
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    bob = class_dir / "bob"
    bob.mkdir()
    document = {
        "quiz": 1,
        "slug": "01-activations",
        "lang": "en",
        "review": False,
        "started": "2025-04-01T10:00:00+09:00",
        "finished": "2025-04-01T10:01:00+09:00",
        "score": 14_000_000,
        "max_score": 1,
        "questions": [dict(answer, correct=True) for answer in answers_to(quiz, 2)],
    }
    attempt_file(bob, document)
    # a file somewhere else in the folder that looks like an attempt is one, and is re-scored too
    (bob / "my-quiz.json").write_text(json.dumps(dict(document, questions=document["questions"][:1])))
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    bob_attempts = sorted((row.score, row.max_score) for row in record.attempts if row.learner == "bob")
    assert bob_attempts == [(1, len(quiz.questions)), (2, len(quiz.questions))]
    report = build_report(record, bank)
    write_csvs(report, tmp_path / "csv")
    with open(tmp_path / "csv" / "grades.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}
    header = rows["learner"]
    assert header[1] == f"Quiz 1 (max {len(quiz.questions)})"  # no column for quizzes that do not exist
    assert float(rows["bob"][1]) == 2


def _choice_question(quiz):
    return next(question for question in quiz.questions if question.kind != "numeric")


def _numeric_question(quiz):
    return next(question for question in quiz.questions if question.kind == "numeric")


def _bad_attempts(quiz) -> dict[str, tuple[dict, str]]:
    choice, numeric = _choice_question(quiz), _numeric_question(quiz)

    def one(question_id, chosen, **extra):
        return dict(
            {"quiz": 1, "lang": "en", "review": False, "questions": [{"id": question_id, "chosen": chosen}]}, **extra
        )

    return {
        "unknown-quiz": (dict(one(choice.id, [0]), quiz=99), "there is no quiz 99 in the course"),
        "unknown-question": (one("made-up-question", [0]), "has the id 'made-up-question', which quiz 1 does not"),
        "duplicate-question": (
            dict(one(choice.id, [0]), questions=[{"id": choice.id, "chosen": [0]}] * 2),
            f"answers {choice.id!r} a second time",
        ),
        "choice-answer-is-a-string": (one(choice.id, "a"), "is a choice question"),
        "choice-answer-out-of-range": (one(choice.id, [len(choice.options)]), "chose option"),
        "choice-answer-repeated": (one(choice.id, [0, 0]), "chose the same option twice"),
        "choice-answer-absurdly-long": (one(choice.id, list(range(10_000))), "not a list of 10000"),
        "choice-answer-is-true": (one(choice.id, [True]), "chose option True"),
        "numeric-answer-is-a-list": (one(numeric.id, [1]), "is a number question"),
        "numeric-answer-is-huge": (one(numeric.id, 10**400), "is not a finite number"),
        "numeric-answer-is-infinite": (one(numeric.id, float("inf")), "is not a finite number"),
        "too-many-questions": (
            dict(one(choice.id, [0]), questions=[{"id": f"q{index}", "chosen": [0]} for index in range(500)]),
            f"answers 500 questions; the quiz has {len(quiz.questions)}",
        ),
        "no-language": (dict(one(choice.id, [0]), lang="xx"), "\"lang\" 'xx'"),
        "review-is-not-a-flag": (dict(one(choice.id, [0]), review="yes"), "\"review\" 'yes'"),
        "question-without-id": (dict(one(choice.id, [0]), questions=[{"chosen": [0]}]), 'has no "id"'),
        "not-an-object": ([1, 2, 3], "a quiz attempt is a JSON object"),
    }


def test_malformed_attempts_are_problems_and_are_not_recorded(tmp_path, bank):
    cases = _bad_attempts(bank[(1, "en")])
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    for name, (document, _) in cases.items():
        (class_dir / name).mkdir()
        attempt_file(class_dir / name, json.dumps(document).replace("Infinity", "1e999"))
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    assert_honest_learner_recorded(record, bank)
    assert {row.learner for row in record.attempts} == {"ann"}
    for name, (_, expected) in cases.items():
        problems = problems_of(record, name)
        assert "not a valid quiz attempt" in problems, (name, problems)
        assert expected in problems, (name, problems)
        assert len(problems) <= PROBLEM_LIMIT + 64


def test_attempts_stored_before_they_were_checked_are_rescored_or_forgotten(tmp_path, bank):
    """A gradebook filled by a grader that trusted attempt files: the next batch corrects it."""
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    bob = class_dir / "bob"
    bob.mkdir()
    quiz = bank[(1, "en")]
    forged = {"quiz": 1, "lang": "en", "review": False, "score": 14, "max_score": 14,
              "questions": [dict(answer, correct=True) for answer in answers_to(quiz, 1)]}  # fmt: skip
    ghost = {"quiz": 77, "lang": "en", "questions": [{"id": "ghost", "chosen": [0], "correct": True}]}
    forged_path = attempt_file(bob, forged)
    ghost_path = attempt_file(bob, ghost, name="77-en-20250401T100000000000.json")
    import hashlib

    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        for document, path in ((forged, forged_path), (ghost, ghost_path)):
            gradebook.record_quiz_attempt("bob", document, hashlib.sha256(path.read_bytes()).hexdigest())
        assert sorted(row.score for row in gradebook.load().attempts) == [1, 14]
        run_batch(class_dir, gradebook, jobs=1)
        record = gradebook.load()
    bob_attempts = [(row.quiz, row.score) for row in record.attempts if row.learner == "bob"]
    assert bob_attempts == [(1, 1)]
    assert "there is no quiz 77" in problems_of(record, "bob")


def test_a_broken_quiz_file_leaves_out_only_its_quiz_in_the_batch(tmp_path, bank, monkeypatch):
    quizzes = tmp_path / "quizzes"
    for lang in ("en", "ja"):
        (quizzes / lang).mkdir(parents=True)
        shutil.copy(bank[(1, lang)].path, quizzes / lang)
        (quizzes / lang / "02-broken.md").mkdir()  # a folder where a file is expected: load_bank raises
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(quizzes))
    class_dir = tmp_path / "class"
    honest_learner(class_dir, bank)
    attempt_file(class_dir / "ann", {"quiz": 2, "lang": "en", "questions": [{"id": "x", "chosen": [0]}]}, "02.json")
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(tmp_path / "book.sqlite")])
    assert result.exit_code == 0, result.output
    assert "02-broken.md" in result.output
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        record = gradebook.load()
    assert [(row.quiz, row.score) for row in record.attempts] == [(1, 5)]
    assert "quiz 2 can not be scored now: its quiz file has an error" in problems_of(record, "ann")


# --- 5. what grading said, cut and escaped ---------------------------------------------------------------------


def test_check_messages_and_file_names_are_cut_and_escaped(tmp_path):
    flood = "\x1b[2J\x1b]52;c;cGF5bG9hZA==\x07" + "A" * 100_000
    check = CheckResult(
        name="relu: max(0, x)",
        name_ja="relu: max(0, x)",
        status=Status.FAILED,
        score=0.0,
        max_score=1.0,
        stdout=flood,
        stderr="</pre><script>alert(1)</script>\x1b[31m",
    )
    result = ExerciseResult(EXERCISES[1], Path("ex01.py"), (check,), elapsed=0.1)
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        gradebook.record_exercise("ann", 1, "<img src=x onerror=alert(1)>\x1b.py", "h", result)
        gradebook.record_problem("ann", "\x1b]0;title\x07" + "B" * 10_000)
        record = gradebook.load()
    (submission,) = record.submissions
    (stored,) = submission.checks
    for text in (stored.message("en"), stored.message("ja"), submission.file_name, *record.problems["ann"]):
        assert not CONTROL & set(text)
    assert len(stored.message("en")) <= MESSAGE_LIMIT + 64
    assert len(record.problems["ann"][0]) <= PROBLEM_LIMIT + 64
    assert "\\x1b" in submission.file_name
    html = render_html(build_report(record, {}), "en")
    assert "<script>alert(1)" not in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_a_gradebook_written_before_the_caps_is_read_back_capped(tmp_path):
    """Rows an older grader stored as they came (control characters, megabytes) come back cut and escaped."""
    path = tmp_path / "book.sqlite"
    with Gradebook(path) as gradebook:
        gradebook.record_exercise("ann", 1, "ex01.py", "h", make_result(1, [Status.FAILED]))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE learners SET name = ?", ("ann\x1b[2J",))
        connection.execute("UPDATE check_results SET message_en = ?", ("\x1b]0;x\x07" + "C" * 1_000_000,))
        connection.execute(
            "INSERT INTO problems (learner_id, problem, recorded_at) VALUES (1, ?, '')", ("\x9b31m" + "D" * 10**6,)
        )
    with Gradebook(path) as gradebook:
        record = gradebook.load()
    assert record.learners == ("ann\\x1b[2J",)
    (submission,) = record.submissions
    assert submission.learner == "ann\\x1b[2J"
    message = submission.checks[0].message("en")
    assert message.startswith("\\x1b]0;x\\x07")
    assert len(message) <= MESSAGE_LIMIT + 64
    (problem,) = record.problems["ann\\x1b[2J"]
    assert problem.startswith("\\x9b31m")
    assert len(problem) <= PROBLEM_LIMIT + 64


def test_every_text_cell_of_every_csv_is_defused(tmp_path):
    from grader.classroom.gradebook import AnswerRow, AttemptRow, ClassRecord

    names = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(A1)", "\tx", "\r=x", "plain"]
    attempts = tuple(
        AttemptRow(name, 1, "01-x", "en", False, "", "", 1, 2, (AnswerRow("-q", [0], True, None),)) for name in names
    )
    record = ClassRecord(tuple(names), (), attempts, {name: (f"={name}",) for name in names})
    report = build_report(record, {})
    written = write_csvs(report, tmp_path)
    for path in written:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not _is_number(cell)):
                        pytest.fail(f"{path.name}: the cell {cell!r} would run as a formula")
    with open(tmp_path / "learners.csv", encoding="utf-8-sig", newline="") as handle:
        first_column = [row[0] for row in csv.reader(handle)]
    assert "'-1+1" in first_column
    assert "plain" in first_column


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_answers_the_report_can_not_count_do_not_break_it(tmp_path):
    """Option numbers and numbers from a gradebook written before attempts were checked."""
    from grader.classroom.gradebook import AnswerRow, AttemptRow, ClassRecord

    answers = (AnswerRow("pick", [10**12], False, None), AnswerRow("value", 10**400, False, None))
    attempts = (AttemptRow("ann", 5, "05-x", "en", False, "", "", 0, 2, answers),)
    report = build_report(ClassRecord(("ann",), (), attempts, {}), {})
    assert render_html(report, "en")
    write_csvs(report, tmp_path)


# --- 6. grade report with a broken quiz file ---------------------------------------------------------------------


def test_grade_report_with_a_broken_quiz_file_reports_the_rest(tmp_path, bank, monkeypatch):
    quizzes = tmp_path / "quizzes"
    for lang in ("en", "ja"):
        (quizzes / lang).mkdir(parents=True)
        shutil.copy(bank[(1, lang)].path, quizzes / lang)
        # a number too long to convert in the front matter: load_bank itself raises ValueError
        (quizzes / lang / "14-broken.md").write_text(
            '+++\ntitle = "x"\nexercises = [' + "9" * 5000 + "]\n+++\n\n## Q {#q}\nQ\n\n- [x] a\n- [ ] b\n\n> e\n"
        )
    for path in sorted((HERE / "quizzes_bad" / "en").glob("*.md"))[1:]:  # 02-no-correct.md ... 13-no-checkbox.md
        shutil.copy(path, quizzes / "en")
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(quizzes))
    database = tmp_path / "book.sqlite"
    quiz = bank[(1, "en")]
    with Gradebook(database) as gradebook:
        answers = answers_to(quiz, 4)
        gradebook.record_quiz_attempt(
            "ann",
            {"quiz": 1, "lang": "en", "started": "2025-04-01T10:00:00", "questions": answers},
            "a",
        )
        gradebook.record_quiz_attempt("ann", {"quiz": 14, "questions": [{"id": "q", "chosen": [0]}]}, "b")
    result = CliRunner().invoke(
        main, ["report", "--db", str(database), "--html", str(tmp_path / "out"), "--csv", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert result.exception is None
    output = result.output
    assert "14-broken.md" in output  # named, whatever the loader makes of its 5000-digit number
    assert "03-duplicate-id.md" in output  # the quizzes_bad files are named too
    assert "left out" in output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert quiz.title in html  # quiz 1 comes from the bank: its title, its answer key
    assert "14-broken.md" in html
    assert (tmp_path / "out" / "grades.csv").exists()
