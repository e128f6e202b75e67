"""grade batch: discovery, incremental re-runs, interruption, concurrent writers."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.classroom.batch import discover, plan, run_batch
from grader.classroom.gradebook import Gradebook
from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def make_class(folder: Path, learners: int, exercises=(1, 2)) -> Path:
    from grader.grading.engine import EXERCISES

    for index in range(learners):
        learner = folder / f"learner{index:02d}"
        learner.mkdir(parents=True)
        for number in exercises:
            module = EXERCISES[number].module
            # a comment makes every learner's file distinct, as real submissions are
            text = (SOLUTIONS / f"{module}.py").read_text() + f"\n# learner {index}\n"
            (learner / f"{module}.py").write_text(text)
    return folder


def graded_rows(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("select count(*) from submissions where current = 1").fetchone()[0]


def test_discovery_reports_problems_per_learner(tmp_path):
    make_class(tmp_path / "class", 2, exercises=(1,))
    odd = tmp_path / "class" / "learner01"
    (odd / "notes.txt").write_text("my notes")
    (odd / "sub").mkdir()
    shutil.copy(SOLUTIONS / "ex01_activations.py", odd / "sub" / "ex01_activations.py")
    (odd / "ex02_softmax_loss.py").write_bytes(b"\xff\xfe not utf-8 \x80")
    (odd / "ex42_unknown.py").write_text("x = 1\n")
    learners = {learner.name: learner for learner in discover(tmp_path / "class")}
    assert learners["learner00"].problems == []
    problems = " | ".join(learners["learner01"].problems)
    assert "notes.txt" in problems
    assert "no exercise 42" in problems
    tasks = plan(list(learners.values()), None)
    problems = " | ".join(learners["learner01"].problems)
    assert "not UTF-8" in problems
    # one rule picks the file graded (grader.classroom.uploads.choose): the shallowest
    assert "2 files for exercise 1: graded ex01_activations.py" in problems
    assert "not sub/ex01_activations.py" in problems
    assert {(task.learner, task.exercise) for task in tasks} == {("learner00", 1), ("learner01", 1)}


def test_rerun_grades_only_what_changed(tmp_path):
    class_dir = make_class(tmp_path / "class", 3)
    database = tmp_path / "gradebook.sqlite"
    with Gradebook(database) as book:
        first = run_batch(class_dir, book, jobs=2)
        assert (first.graded, first.skipped) == (6, 0)
        second = run_batch(class_dir, book, jobs=2)
        assert (second.graded, second.skipped) == (0, 6)
        changed = class_dir / "learner01" / "ex02_softmax_loss.py"
        changed.write_text(changed.read_text() + "\n# changed\n")
        third = run_batch(class_dir, book, jobs=2)
        # the changed file, and learner01's other file (it may import the changed one)
        assert (third.graded, third.skipped) == (2, 4)
        forced = run_batch(class_dir, book, jobs=2, force=True)
        assert forced.graded == 6


def test_batch_command_prints_a_summary(tmp_path):
    class_dir = make_class(tmp_path / "class", 2, exercises=(1,))
    database = tmp_path / "book.sqlite"
    result = CliRunner().invoke(main, ["batch", str(class_dir), "--db", str(database), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "2 learners: 2 graded" in result.output
    assert graded_rows(database) == 2


def test_unknown_class_dir_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such class directory" in result.output
    assert not (tmp_path / "gradebook.sqlite").exists(), "a mistyped folder must not leave an empty gradebook"


def _batch_process(class_dir: Path, database: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(class_dir), "--db", str(database), "--jobs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_killed_batch_keeps_what_it_graded_and_resumes(tmp_path):
    class_dir = make_class(tmp_path / "class", 20, exercises=(1, 2, 3))
    database = tmp_path / "gradebook.sqlite"
    process = _batch_process(class_dir, database)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            if database.exists() and graded_rows(database) >= 5:
                break
        except sqlite3.OperationalError:  # the batch is still creating the schema
            continue
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = graded_rows(database)
    total = 60
    assert 5 <= kept < total, f"kept {kept} of {total}: killed too late or too early"
    with Gradebook(database) as book:
        summary = run_batch(class_dir, book, jobs=2)
    assert summary.skipped == kept
    assert summary.graded == total - kept
    assert graded_rows(database) == total
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_two_batches_writing_one_gradebook_at_once(tmp_path):
    first = make_class(tmp_path / "a", 6, exercises=(1, 2))
    second = tmp_path / "b"
    second.mkdir()
    for learner in list(first.iterdir())[:3]:
        shutil.move(str(learner), second / learner.name)
    database = tmp_path / "shared.sqlite"
    processes = [_batch_process(first, database), _batch_process(second, database)]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()[-2000:]
    assert graded_rows(database) == 12
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("jobs", [1, 3])
def test_results_do_not_depend_on_parallelism(tmp_path, jobs):
    class_dir = make_class(tmp_path / "class", 3, exercises=(1,))
    broken = class_dir / "learner02" / "ex01_activations.py"
    broken.write_text(broken.read_text() + "\n\ndef relu(x):\n    return x\n")
    with Gradebook(tmp_path / f"book{jobs}.sqlite") as book:
        summary = run_batch(class_dir, book, jobs=jobs)
        record = book.load()
    assert summary.graded == 3
    text = repr(record)
    assert "learner02" in text


def test_a_problem_the_learner_fixed_goes_away_on_the_next_run(tmp_path):
    class_dir = make_class(tmp_path / "class", 1, exercises=(1,))
    stray = class_dir / "learner00" / "notes.txt"
    stray.write_text("notes")
    with Gradebook(tmp_path / "book.sqlite") as book:
        run_batch(class_dir, book, jobs=1)
        assert book.load().problems == {"learner00": ("notes.txt: not an exercise file or quiz attempt; ignored",)}
        stray.unlink()
        run_batch(class_dir, book, jobs=1)
        assert book.load().problems == {}


def test_what_is_graded_is_what_was_read(tmp_path):
    """A file that changes after it was hashed is not graded under the old hash: a problem, graded next run."""
    class_dir = make_class(tmp_path / "class", 3, exercises=(1,))
    late = class_dir / "learner02" / "ex01_activations.py"

    def change_the_last_file(done, total, task, result):
        if done == 1:  # learner02's task is queued only now (two tasks run ahead with jobs=1)
            late.write_text(late.read_text() + "\n# edited during the batch\n")

    with Gradebook(tmp_path / "book.sqlite") as book:
        summary = run_batch(class_dir, book, jobs=1, progress=change_the_last_file)
        record = book.load()
        assert (summary.graded, summary.failed) == (2, 1)
        assert "changed while the batch ran" in record.problems["learner02"][0]
        assert sorted(row.learner for row in record.submissions) == ["learner00", "learner01"]
        again = run_batch(class_dir, book, jobs=1)
        assert (again.graded, again.skipped) == (1, 2)


def test_a_source_in_its_declared_encoding_is_graded(tmp_path):
    # Python reads a PEP 263 coding line (Shift_JIS editors on Windows write one); so does the batch
    solution = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
    source = "# -*- coding: shift_jis -*-\n# 活性化関数\n" + solution
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "ex01_activations.py").write_bytes(source.encode("shift_jis", errors="replace"))
    (tmp_path / "class" / "bob").mkdir()
    # a coding line that does not match the bytes is still refused (Shift_JIS bytes declared as UTF-8)
    (tmp_path / "class" / "bob" / "ex01_activations.py").write_bytes(
        b"# -*- coding: utf-8 -*-\n" + "# 活性化関数\n".encode("shift_jis") + b"x = 1\n"
    )
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        summary = run_batch(tmp_path / "class", gradebook, jobs=1)
        assert summary.graded == 1
        record = gradebook.load()
    (ann,) = [row for row in record.submissions if row.learner == "ann"]
    assert ann.passed
    assert any("coding line declares (utf-8)" in problem for problem in record.problems["bob"])


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _screen(written: str) -> list[str]:
    """What a terminal shows: a carriage return moves to the start of the line, later text overwrites."""
    lines, current, column = [], [], 0
    for char in written:
        if char == "\r":
            column = 0
        elif char == "\n":
            lines.append("".join(current))
            current, column = [], 0
        else:
            current[column : column + 1] = [char]
            column += 1
    return [*lines, "".join(current)]


def test_the_progress_line_on_a_terminal_leaves_no_stray_characters(monkeypatch):
    from grader.cli import _Progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = _Progress()
    clock = iter([0.1, 100.0, 100.5, 101.0])  # a slow start, then fast: "about 1234 s left" shrinks to "0 s"
    monkeypatch.setattr(progress, "clock", lambda: next(clock))
    progress.started = 0.0
    for done in (1, 2, 3, 4):
        progress(done, 4, None, None)
        shown = _screen(terminal.getvalue())
        assert shown[-1 if done < 4 else -2].rstrip().endswith(" s left"), shown
    assert terminal.getvalue().endswith("\n")


def test_a_batch_grades_one_more_submission_at_once_than_it_has_cores(monkeypatch):
    from grader.classroom import batch

    monkeypatch.setattr(batch.os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    assert batch.default_jobs() == 3  # the cores this process may use, not the machine's
    monkeypatch.delattr(batch.os, "sched_getaffinity")
    monkeypatch.setattr(batch.os, "cpu_count", lambda: None)
    assert batch.default_jobs() == 2


def test_a_batch_asks_the_sandbox_for_no_line_per_probe(tmp_path, fifos_made):
    # a batch judges each grading once its run has ended: no progress FIFO, no early reads (the same results)
    class_dir = make_class(tmp_path / "class", 2, exercises=(1,))
    gradebook = Gradebook(tmp_path / "gradebook.sqlite")
    summary = run_batch(class_dir, gradebook, jobs=2)
    gradebook.close()
    assert (summary.graded, summary.failed) == (2, 0)
    assert fifos_made == []
