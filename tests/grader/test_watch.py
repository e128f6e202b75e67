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
from grader.learner.watch import compare, file_state, render_changes, wait_for_change
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
    from grader.learner.watch import SETTLE_SECONDS, files_state, wait_for_any_change

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
