"""grade watch: re-grades on every save and shows only what changed; Ctrl-C stops it."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.grading.engine import EXERCISES
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.learner.watch import SETTLE_SECONDS, compare, file_state, render_changes, wait_for_change
from grader.learner.workspace import exercise_status
from grader.text import plain

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"
STUB_1 = ROOT / "exercises" / "ex01_activations.py"
IN_PLACE_RELU = "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n"
BROKEN_SIGMOID = "\n\ndef sigmoid(x):\n    raise ValueError('not yet')\n"
WATCHING = "Watching exercises/ex01_activations.py"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Watcher:
    """``grade watch`` in a subprocess, its output read line by line in a thread."""

    def __init__(self, workspace: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", "1", "--lang", "en", "--interval", "0.05", *args],
            cwd=workspace,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            # as a terminal would start it: a test runner started in the background (as CI may
            # be) ignores SIGINT, and a Python child that inherits SIG_IGN never raises
            # KeyboardInterrupt, so Ctrl-C would be lost
            preexec_fn=_default_sigint,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def until(self, marker: str, timeout: float = 60.0) -> str:
        """Everything printed up to and including the next line holding ``marker``."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {marker!r} within {timeout} s; printed:\n{''.join(self.seen + got)}")
            if line is None:
                pytest.fail(f"grade watch ended before {marker!r}; printed:\n{''.join(self.seen + got)}")
            got.append(line)
            if marker in line:
                self.seen += got
                return "".join(got)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)  # the pipe is at its end once the process is gone
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "ex01_activations.py").write_text(
        SOLUTION_1.read_text(encoding="utf-8") + IN_PLACE_RELU, encoding="utf-8"
    )
    return tmp_path


def save(workspace: Path, text: str) -> None:
    target = workspace / "exercises" / "ex01_activations.py"
    before = file_state(target)
    # written whole, then renamed over (as many editors save): with the test's 0.05 s poll, a loaded
    # machine could stall this process between truncating the file and writing it, and the watcher
    # would grade the empty file it held still for one poll
    staged = target.with_name(".saving.tmp")
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, target)
    if file_state(target) == before:  # same size within the clock's resolution: make the save visible
        os.utime(target, ns=(time.time_ns(), before[0] + 1_000_000))


def test_watch_regrades_on_every_save_and_shows_only_changes(workspace):
    solution = SOLUTION_1.read_text(encoding="utf-8")
    watcher = Watcher(workspace, "--max-runs", "4")
    try:
        first = watcher.until(WATCHING)
        assert "Exercise 1: Activation functions" in first  # the full report the first time
        assert "PASS  step_function:" in first
        assert "FAIL  relu:" in first

        save(workspace, solution)
        second = watcher.until(WATCHING)
        assert "newly passing:" in second
        assert "PASS  relu:" in second
        assert "step_function" not in second  # unchanged checks are not repeated
        assert "every check passed" in second

        save(workspace, solution + "\n# a comment\n")
        third = watcher.until(WATCHING)
        assert "no check changed" in third
        assert "PASS" not in third

        save(workspace, solution + BROKEN_SIGMOID)
        fourth = watcher.until("Score")
        assert "newly failing:" in fourth
        assert "FAIL  sigmoid:" in fourth
        assert "ValueError: not yet" in fourth
        assert "FAIL  forward:" in fourth  # forward calls sigmoid
        assert "relu" not in fourth
        assert watcher.process.wait(timeout=60) == 0
        # each grading is kept for grade list (after its report): the last one too, though the watch ended there
        status = exercise_status(workspace, 1)
        assert (status.state, status.edited_since) == (Status.FAILED, False)  # the final text, recorded
        assert 0 < status.passing < status.total  # the sigmoid checks and forward fail
    finally:
        watcher.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_stops_watching(tmp_path):
    (tmp_path / "exercises").mkdir()
    shutil.copy(STUB_1, tmp_path / "exercises" / "ex01_activations.py")
    watcher = Watcher(tmp_path)
    try:
        assert "Not attempted" in watcher.until(WATCHING)
        watcher.process.send_signal(signal.SIGINT)
        assert "Stopped watching." in watcher.until("Stopped watching.")
        assert watcher.process.wait(timeout=30) == 0
    finally:
        watcher.stop()


def test_watch_without_a_file_is_a_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "grader", "watch", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "no exercises/ folder" in done.stderr


# --- the pieces -------------------------------------------------------------------------------------------


def check(name: str, status: str, message: str = "") -> CheckResult:
    score = 1.0 if status == Status.PASSED else 0.0
    lines = (plain(message),) if message else ()
    return CheckResult(name=name, name_ja=name, status=status, score=score, max_score=1.0, lines=lines)


def result(*checks: CheckResult) -> ExerciseResult:
    return ExerciseResult(EXERCISES[1], STUB_1, checks)


def test_compare_sorts_checks_by_what_changed():
    before = result(
        check("a: stays passing", Status.PASSED),
        check("b: starts passing", Status.FAILED, "off by one"),
        check("c: breaks", Status.PASSED),
        check("d: fails for another reason", Status.FAILED, "shape (2, 3)"),
        check("e: fails the same way", Status.FAILED, "nan"),
        check("f: attempted now", Status.NOT_ATTEMPTED),
    )
    after = result(
        check("a: stays passing", Status.PASSED),
        check("b: starts passing", Status.PASSED),
        check("c: breaks", Status.FAILED, "nan"),
        check("d: fails for another reason", Status.FAILED, "shape (3, 2)"),
        check("e: fails the same way", Status.FAILED, "nan"),
        check("f: attempted now", Status.FAILED, "wrong"),
    )
    changes = compare(before, after)
    assert [item.name for item in changes.now_passing] == ["b: starts passing"]
    assert [item.name for item in changes.now_failing] == ["c: breaks", "f: attempted now"]
    assert [item.name for item in changes.reworded] == ["d: fails for another reason"]
    assert (changes.unchanged_passing, changes.unchanged_failing) == (1, 1)
    shown = render_changes(changes, after, "en")
    assert "still failing, for another reason:" in shown
    assert "shape (3, 2)" in shown
    assert "unchanged: 1 passing, 1 failing" in shown
    assert "再採点" in render_changes(changes, after, "ja")


def test_the_same_failure_of_many_checks_is_said_once():
    broken = "your file could not be imported: SyntaxError"
    before = result(check("relu: one", Status.PASSED), check("relu: two", Status.PASSED))
    after = result(check("relu: one", Status.FAILED, broken), check("relu: two", Status.FAILED, broken))
    shown = render_changes(compare(before, after), after, "en")
    assert shown.count(broken) == 1
    assert "(same as above)" in shown


def test_wait_for_change_returns_once_the_file_holds_still(tmp_path):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a", encoding="utf-8")
    start = file_state(target)
    writes = iter(["ab", "abc", None, None])  # two quick writes, then quiet

    def fake_sleep(seconds: float) -> None:
        text = next(writes, None)
        if text is not None:
            target.write_text(text, encoding="utf-8")

    assert wait_for_change(target, start, interval=0.0, sleep=fake_sleep) == file_state(target)
    assert target.read_text(encoding="utf-8") == "abc"


def test_a_change_is_graded_once_it_holds_still_for_the_short_settle_time(tmp_path):
    """Detection waits one poll; the hold-still check only SETTLE_SECONDS (not another whole poll)."""
    from grader.learner.watch import files_state, wait_for_any_change

    watched = tmp_path / "ex01_activations.py"
    watched.write_text("a = 1\n")
    before = files_state([watched])
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:
            watched.write_text("a = 22\n")  # saved during the first poll

    state = wait_for_any_change([watched], before, interval=0.3, sleep=sleep)
    assert state == files_state([watched]) != before
    assert slept == [0.3, SETTLE_SECONDS]


# --- hearing saves at once (inotify): each way an editor saves gives one grading, of the final text -----

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


class Quiet(Exception):
    """Nothing more to hear: ``wait_for_save`` would wait for the next save."""


class Heard:
    """A real ``Notifier`` that never waits: the test's clock moves on instead, and silence ends the wait.

    File operations queue their events as they return, so what a save did is
    all there when ``read`` looks; an empty look moves the fake clock on by the
    settle time the caller waits for.  A wait longer than that (for the next
    save, or the once-a-second rescan that finds what no event told) raises
    ``Quiet``, unless ``rescans``: then a third empty look in a row does.
    """

    def __init__(self) -> None:
        from grader.learner.watch import Notifier

        notifier = Notifier.open()
        if notifier is None:
            pytest.skip("no inotify here")
        self.notifier = notifier
        self.now = 0.0
        self.silent = 0
        self.rescans = False

    def clock(self) -> float:
        return self.now

    def follow(self, paths) -> bool:
        return self.notifier.follow(paths)

    def read(self, timeout: float):
        events = self.notifier.read(0)
        if events:
            self.silent = 0
            return events
        self.silent += 1
        if self.silent > 2 or (timeout > SETTLE_SECONDS and not self.rescans):
            raise Quiet
        self.now += max(0.0, timeout)
        return []

    def close(self) -> None:
        self.notifier.close()


@pytest.fixture
def heard():
    listener = Heard()
    yield listener
    listener.close()


def gradings(heard: Heard, paths: list[Path]):
    """Count the gradings ``wait_for_save`` asks for, taking a new snapshot after each (as ``watch`` does)."""
    from grader.learner.watch import fingerprints, wait_for_save

    assert heard.follow(paths)
    heard.notifier.read(0)
    state = {"last": fingerprints(paths), "graded": []}

    def more() -> int:
        count = 0
        while True:
            heard.silent = 0
            try:
                assert wait_for_save(heard, paths, state["last"], clock=heard.clock)  # type: ignore[arg-type]
            except Quiet:
                return count
            count += 1
            state["last"] = fingerprints(paths)
            state["graded"].append(paths[0].read_text(encoding="utf-8") if paths[0].exists() else None)

    return more, state["graded"]


def write_in_place(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8")  # truncate, write, close (VS Code)


def rename_over(target: Path, text: str) -> None:
    staged = target.with_name(target.name + ".tmp")  # vim with backupcopy=no, `mv`
    staged.write_text(text, encoding="utf-8")
    os.replace(staged, target)


def vim_backup_dance(target: Path, text: str) -> None:
    backup = target.with_name(target.name + "~")
    mode = target.stat().st_mode
    os.rename(target, backup)
    target.write_text(text, encoding="utf-8")
    os.chmod(target, mode)  # vim restores the permissions after the close
    os.unlink(backup)


def jetbrains_safe_write(target: Path, text: str) -> None:
    staged = target.with_name(target.name + "___jb_tmp___")
    old = target.with_name(target.name + "___jb_old___")
    staged.write_text(text, encoding="utf-8")
    os.rename(target, old)
    os.rename(staged, target)
    os.unlink(old)


SAVES = {
    "in place": write_in_place,
    "rename over": rename_over,
    "vim backup rename": vim_backup_dance,
    "JetBrains safe write": jetbrains_safe_write,
}


@linux_only
@pytest.mark.parametrize("save_as", SAVES.values(), ids=SAVES.keys())
def test_each_way_of_saving_grades_once_and_the_final_text(tmp_path, heard, save_as):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    assert more() == 0  # nothing saved yet
    save_as(target, "a = 2\n")
    assert more() == 1
    assert graded == ["a = 2\n"]
    save_as(target, "a = 3  # again\n")
    assert more() == 1
    assert graded == ["a = 2\n", "a = 3  # again\n"]


@linux_only
def test_a_file_written_without_closing_is_graded_once_it_holds_still(tmp_path, heard):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    with open(target, "w", encoding="utf-8") as handle:  # truncated: empty while open
        handle.flush()
        assert more() == 0  # an empty file still open for writing is never graded
        handle.write("a = 2\n")
        handle.flush()
        assert more() == 1  # written and quiet for the settle time (the fake clock's)
        assert graded == ["a = 2\n"]
    assert more() == 0  # its close is the same save


@linux_only
def test_a_chmod_does_not_grade_but_a_touch_does(tmp_path, heard):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, _ = gradings(heard, [target])
    os.chmod(target, 0o600)
    assert more() == 0
    os.utime(target, ns=(time.time_ns(), target.stat().st_mtime_ns + 1_000_000))
    assert more() == 1


@linux_only
def test_two_saves_of_one_size_within_a_clock_tick_both_grade(tmp_path, heard):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    write_in_place(target, "a = 2\n")
    stamp = target.stat().st_mtime_ns
    assert more() == 1
    write_in_place(target, "a = 3\n")
    os.utime(target, ns=(stamp, stamp))  # same size, same time: only the bytes differ
    assert more() == 1
    assert graded == ["a = 2\n", "a = 3\n"]


@linux_only
def test_a_deleted_file_is_graded_when_it_comes_back(tmp_path, heard):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    target.unlink()
    assert more() == 0  # nothing to grade while it is missing
    target.write_text("a = 2\n", encoding="utf-8")
    assert more() == 1
    assert graded == ["a = 2\n"]


@linux_only
def test_an_imported_file_saved_or_deleted_grades_again(tmp_path, heard):
    main, helper = tmp_path / "ex03_try.py", tmp_path / "ex01_activations.py"
    main.write_text("import ex01_activations\n", encoding="utf-8")
    helper.write_text("a = 1\n", encoding="utf-8")
    more, _ = gradings(heard, [main, helper])
    (tmp_path / "notes.txt").write_text("not watched", encoding="utf-8")
    assert more() == 0
    vim_backup_dance(helper, "a = 2\n")
    assert more() == 1
    helper.unlink()  # the import now fails: that is a change too
    assert more() == 1


@linux_only
def test_a_linked_file_is_heard_where_it_really_is(tmp_path, heard):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "elsewhere").mkdir()
    real = tmp_path / "elsewhere" / "activations.py"
    real.write_text("a = 1\n", encoding="utf-8")
    link = tmp_path / "exercises" / "ex01_activations.py"
    link.symlink_to(real)
    more, graded = gradings(heard, [link])
    rename_over(real, "a = 2\n")  # an editor that opens the link saves the file it names
    assert more() == 1
    assert graded == ["a = 2\n"]


@linux_only
@linux_only
def test_a_change_no_event_told_of_is_found_by_the_rescan(tmp_path, heard):
    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    heard.notifier.follow(())  # as if the folder gave no events (a link re-pointed above it, say)
    rename_over(target, "a = 2\n")
    assert more() == 0  # no event
    heard.rescans = True
    assert more() == 1
    assert graded == ["a = 2\n"]


@linux_only
def test_a_folder_replaced_is_watched_again_and_a_folder_gone_falls_back_to_polling(tmp_path, heard):
    from grader.learner.watch import fingerprints, wait_for_save

    folder = tmp_path / "exercises"
    folder.mkdir()
    target = folder / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    more, graded = gradings(heard, [target])
    folder.rename(tmp_path / "old")
    folder.mkdir()
    target.write_text("a = 2\n", encoding="utf-8")
    assert more() == 1
    assert graded == ["a = 2\n"]
    write_in_place(target, "a = 3\n")  # the new folder is heard
    assert more() == 1
    shutil.rmtree(folder)
    assert wait_for_save(heard, [target], fingerprints([target]), clock=heard.clock) is False  # type: ignore[arg-type]


def test_the_watch_loop_hears_saves_and_polls_where_it_can_not(tmp_path, monkeypatch):
    from grader.learner.watch import Notifier, watch

    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 0\n", encoding="utf-8")
    texts = iter(f"a = {number}\n" for number in range(1, 10))
    graded: list[str] = []
    slept: list[float] = []

    def grade():
        graded.append(target.read_text(encoding="utf-8"))
        return None

    def waiting() -> None:  # saved while the watch is about to wait: heard, never lost
        rename_over(target, next(texts))

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    notifier = Notifier.open()
    if notifier is None:  # no inotify: the loop polls, which the tests above cover
        pytest.skip("no inotify here")
    with notifier:
        runs = watch(target, grade, lambda *_: None, waiting=waiting, max_runs=3, sleep=sleep, notifier=notifier)
        assert (runs, graded, slept) == (3, ["a = 0\n", "a = 1\n", "a = 2\n"], [])  # heard: never a poll
        # a folder on a filesystem whose changes give no events (a network share, WSL's /mnt/c): polled
        monkeypatch.setattr(Notifier, "_gives_events", lambda self, folder: False)
        graded.clear()
        runs = watch(target, grade, lambda *_: None, waiting=waiting, max_runs=2, sleep=sleep, notifier=notifier)
        assert (runs, graded) == (2, ["a = 2\n", "a = 3\n"])
        assert slept  # found by polling


def test_without_inotify_there_is_no_notifier(monkeypatch):
    from grader.learner.watch import Notifier

    monkeypatch.setattr(sys, "platform", "darwin")
    assert Notifier.open() is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_the_files_place_never_blocks_the_watch(tmp_path):
    """A learner's file replaced by a named pipe: opening it to read would wait for a writer forever."""
    from grader.learner.imports import imported_files
    from grader.learner.watch import fingerprint

    target = tmp_path / "ex03_backward.py"
    os.mkfifo(target)
    found: list[object] = []
    looker = threading.Thread(target=lambda: found.extend([fingerprint(target), imported_files(3, target)]))
    looker.start()
    looker.join(timeout=10)
    if looker.is_alive():  # blocked on the pipe: a writer lets it go, so the test ends
        with open(target, "wb"):
            pass
        looker.join(timeout=10)
        pytest.fail("reading a FIFO blocked")
    fifo_fingerprint, imported = found
    assert fifo_fingerprint is not None  # it is there
    assert fifo_fingerprint[-1] is None  # and was never read
    assert imported == []


@linux_only
def test_when_the_watches_run_out_the_watch_polls(tmp_path):
    """inotify_add_watch failing (ENOSPC: the user's watches used up, VS Code holds many): polled, not stuck."""
    from grader.learner.watch import Notifier

    target = tmp_path / "ex01_activations.py"
    target.write_text("a = 1\n", encoding="utf-8")
    notifier = Notifier.open()
    if notifier is None:
        pytest.skip("no inotify here")

    class WatchesUsedUp:
        def __init__(self, libc) -> None:
            self.libc = libc

        def __getattr__(self, name: str):
            return getattr(self.libc, name)

        def inotify_add_watch(self, *arguments) -> int:
            return -1

    with notifier:
        assert notifier.follow([target])
        notifier._libc = WatchesUsedUp(notifier._libc)  # type: ignore[assignment]
        assert not notifier.follow([target])
        rename_over(target, "a = 2\n")
        assert notifier.read(0) == []  # the folder's watch was dropped: nothing comes, the caller polls
