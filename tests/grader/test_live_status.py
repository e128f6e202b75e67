"""The live status line while grading, the engine's progress hook under it, and ``--show-output`` (issue 16)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import get_exercise, grade_exercise
from grader.grading.progress import DONE, FINISHED, IMPORTING, STARTED, CheckEvent
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.learner import status as status_module
from grader.learner.commands import columns
from grader.learner.status import ERASE, StatusLine, fit, wanted
from grader.sandbox.client import SandboxEvent, parse_event

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def status_line(lang: str = "en", width: int = 80) -> tuple[StatusLine, Clock, Terminal]:
    clock, terminal = Clock(), Terminal()
    return StatusLine(terminal, lang, clock=clock, width=lambda: width, delay=0.3), clock, terminal


# --- the renderer, with fake events and a fake clock -------------------------------------------------------


def test_the_running_check_its_function_and_elapsed_time_against_the_limit():
    line, clock, _terminal = status_line()
    line(CheckEvent(STARTED, 4, 12, "softmax", 5.0))
    clock.now += 2.1
    assert line.line() == "grading: softmax (check 4/12) 2.1 s / 5 s"


def test_the_same_in_japanese():
    line, clock, _terminal = status_line("ja")
    line(CheckEvent(STARTED, 4, 12, "softmax", 5.0))
    clock.now += 2.1
    assert line.line() == "採点中: softmax(チェック 4/12)2.1 秒 / 5 秒"


def test_before_any_check_it_says_the_sandbox_starts_then_that_the_file_is_imported():
    line, clock, _terminal = status_line()
    clock.now += 0.4
    assert line.line() == "grading: starting the sandbox 0.4 s"
    line(CheckEvent(IMPORTING, 0, 12, "", 5.0))
    clock.now += 1.25
    assert line.line() == "grading: importing your file 1.2 s / 5 s"
    line(CheckEvent(STARTED, 1, 12, "relu", 5.0))
    assert line.line() == "grading: relu (check 1/12) 0.0 s / 5 s"


def test_of_two_checks_running_at_once_the_one_running_longer_is_shown():
    line, clock, _terminal = status_line()
    line(CheckEvent(STARTED, 2, 14, "softmax", 5.0))
    clock.now += 1.0
    line(CheckEvent(STARTED, 7, 14, "cross_entropy_error", 5.0))
    clock.now += 0.5
    assert line.line().startswith("grading: softmax (check 2/14) 1.5 s")
    line(CheckEvent(FINISHED, 2, 14))
    assert line.line() == "grading: cross_entropy_error (check 7/14) 0.5 s / 5 s"


def test_a_check_started_again_alone_counts_its_time_from_the_new_start_and_limit():
    line, clock, _terminal = status_line()
    line(CheckEvent(STARTED, 3, 9, "softmax", 5.0))
    clock.now += 1.0
    line(CheckEvent(STARTED, 3, 9, "softmax", 1.0))  # its group timed out once: a short limit
    clock.now += 0.25
    assert line.line() == "grading: softmax (check 3/9) 0.2 s / 1 s"


def test_nothing_is_drawn_before_the_delay_then_the_line_is_redrawn_in_place():
    line, clock, terminal = status_line()
    line(CheckEvent(STARTED, 1, 2, "relu", 5.0))
    clock.now += 0.1
    line.draw()
    assert terminal.getvalue() == ""  # a grading that ends this fast shows no line at all
    clock.now += 0.3
    line.draw()
    clock.now += 0.2
    line.draw()
    assert terminal.getvalue() == (
        "\rgrading: relu (check 1/2) 0.4 s / 5 s\x1b[K\rgrading: relu (check 1/2) 0.6 s / 5 s\x1b[K"
    )


def test_done_erases_the_line_before_judging_and_nothing_is_drawn_after():
    line, clock, terminal = status_line()
    line(CheckEvent(STARTED, 1, 1, "relu", 5.0))
    clock.now += 1
    line.draw()
    line(CheckEvent(DONE, 0, 1))
    assert terminal.getvalue().endswith(ERASE)
    written = terminal.getvalue()
    line.draw()
    line.erase()
    assert terminal.getvalue() == written
    assert line.line() == ""


def test_erase_writes_nothing_when_no_line_was_shown():
    line, _clock, terminal = status_line()
    line.erase()
    assert terminal.getvalue() == ""


def test_leaving_the_context_erases_the_line_even_on_ctrl_c():
    line, clock, terminal = status_line()
    clock.now += 1

    def interrupted() -> None:
        with line:
            line.draw()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert terminal.getvalue().endswith(ERASE)
    assert line._thread is not None
    assert not line._thread.is_alive()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_line_never_wraps_a_narrow_terminal(lang):
    line, clock, terminal = status_line(lang, width=24)
    line(CheckEvent(STARTED, 12, 14, "NegativeSamplingLoss", 60.0))
    clock.now += 1
    line.draw()
    drawn = terminal.getvalue().removeprefix("\r").removesuffix("\x1b[K")
    assert columns(drawn) <= 23
    assert drawn.endswith("…")


def test_fit_counts_a_japanese_character_as_two_columns():
    assert fit("採点中: abc", 20) == "採点中: abc"
    cut = fit("採点中採点中採点中", 8)
    assert cut == "採点中…"
    assert columns(cut) <= 8


def test_a_terminal_that_went_away_stops_the_line_and_not_the_grading():
    class Gone(Terminal):
        def write(self, text: str) -> int:
            raise OSError("EIO")

    line = StatusLine(Gone(), "en", clock=Clock(), width=lambda: 80, delay=0)
    line.draw()  # no exception
    line(CheckEvent(STARTED, 1, 1, "relu", 5.0))
    line.draw()
    assert line.done


@pytest.mark.parametrize(
    ("stream", "output_format", "term", "expected"),
    [
        (Terminal(), "text", "xterm-256color", True),
        (io.StringIO(), "text", "xterm", False),  # piped
        (Terminal(), "json", "xterm", False),
        (Terminal(), "gradescope", "xterm", False),
        (Terminal(), "text", "dumb", False),
    ],
    ids=["terminal", "piped", "json", "gradescope", "dumb"],
)
def test_the_line_is_wanted_only_on_a_terminal_for_text(monkeypatch, stream, output_format, term, expected):
    monkeypatch.setenv("TERM", term)
    assert wanted(stream, output_format) is expected


def test_a_closed_stream_is_not_a_terminal():
    stream = io.StringIO()
    stream.close()
    assert wanted(stream) is False


# --- the sandbox's progress channel --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "event"),
    [
        (b"import 5", SandboxEvent("import", -1, 5.0)),
        (b"start p001 2.5", SandboxEvent("start", 1, 2.5)),
        (b"end p000", SandboxEvent("end", 0)),
        (b"start p009 5", None),  # no such probe
        (b"start p001 inf", None),
        (b"start p001 nan", None),
        (b"start p001 -1", None),
        (b"import", None),
        (b"end p000 extra", None),
        (b"\xff\xfe start", None),
        (b"", None),
    ],
)
def test_only_well_formed_progress_lines_become_events(line, event):
    assert parse_event(line, {"p000": 0, "p001": 1}) == event


# --- a real grading through the hook ---------------------------------------------------------------------------


def test_a_real_grading_starts_and_finishes_every_check_once_done():
    events: list[CheckEvent] = []
    result = grade_exercise(1, SOLUTION_1, progress=events.append)
    total = len(result.results)
    assert result.passed
    assert events[0].kind == IMPORTING
    assert events[-1] == CheckEvent(DONE, 0, total)
    for number, check in enumerate(result.results, start=1):
        mine = [event for event in events if event.number == number]
        kinds = [event.kind for event in mine]
        assert kinds[0] == STARTED, (check.name, kinds)
        assert kinds[-1] == FINISHED, (check.name, kinds)
        assert kinds.count(FINISHED) == 1
        assert all(event.target == check.target for event in mine)
        assert all(event.total == total for event in events)
    assert {event.limit for event in events if event.kind == STARTED} == {get_exercise(1).timeout}


def test_a_file_that_does_not_import_finishes_every_check_at_once(tmp_path):
    broken = tmp_path / "ex01_activations.py"
    broken.write_text("def relu(x):\n    return (\n")
    events: list[CheckEvent] = []
    result = grade_exercise(1, broken, progress=events.append)
    assert result.import_failure is not None
    assert not [event for event in events if event.kind == STARTED]
    finished = {event.number for event in events if event.kind == FINISHED}
    assert finished == set(range(1, len(result.results) + 1))
    assert events[-1].kind == DONE


def test_what_a_submission_prints_can_not_forge_progress(tmp_path):
    """Lines that look like the server's go to the worker's own stdout: captured, never an event."""
    source = SOLUTION_1.read_text()
    forged = "import os\nos.write(1, b'start p000 9999\\nend p001\\n')\nprint('import 777')\n"
    hostile = tmp_path / "ex01_activations.py"
    hostile.write_text(source.replace("import numpy as np\n", "import numpy as np\n" + forged, 1))
    events: list[CheckEvent] = []
    result = grade_exercise(1, hostile, progress=events.append)
    assert result.passed
    assert {event.limit for event in events if event.kind in (STARTED, IMPORTING)} == {get_exercise(1).timeout}
    assert all([event.kind for event in events if event.number == n].count(FINISHED) == 1 for n in range(1, 3))


# --- the CLI: piped runs get nothing extra, a terminal gets the line, erased before the report -----------------


def test_a_piped_grading_prints_nothing_extra():
    result = CliRunner().invoke(main, ["exercise", "1", "--file", str(SOLUTION_1), "--lang", "en"])
    assert result.exit_code == 0, result.output
    for stream in (result.stdout, result.stderr):
        assert "grading:" not in stream
        assert "\r" not in stream
        assert "\x1b" not in stream


def test_on_a_terminal_the_line_shows_on_stderr_and_is_erased_before_the_report(monkeypatch):
    monkeypatch.setattr(status_module, "wanted", lambda stream, output_format="text": output_format == "text")
    monkeypatch.setattr(status_module, "DELAY_SECONDS", 0.0)
    monkeypatch.setattr(status_module, "REDRAW_SECONDS", 0.005)
    result = CliRunner().invoke(main, ["exercise", "1", "--file", str(SOLUTION_1), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "grading: " in result.stderr
    # erased before anything else is written: the note that follows starts on a clean line
    assert result.stderr[: result.stderr.index("Not recorded")].endswith(ERASE)
    assert "\r" not in result.stdout
    assert "\x1b" not in result.stdout
    assert "every check passed" in result.stdout


# --- --show-output ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def printing_solution(tmp_path_factory) -> Path:
    """Exercise 1's worked solution, with a sigmoid that prints."""
    folder = tmp_path_factory.mktemp("printing")
    source = SOLUTION_1.read_text()
    marker = "def sigmoid(x: np.ndarray) -> np.ndarray:\n"
    assert marker in source
    body = '    print("sigmoid got", np.shape(x))\n    import sys\n    print("a warning", file=sys.stderr)\n'
    source = source.replace(marker, marker + body, 1)
    # the docstring stays the function's first statement no more: harmless for grading
    path = folder / "ex01_activations.py"
    path.write_text(source)
    return path


@pytest.fixture(scope="module")
def printed(printing_solution) -> ExerciseResult:
    return grade_exercise(1, printing_solution)


@pytest.mark.parametrize(
    ("lang", "labels"),
    [("en", ("your code printed:", "your code wrote to stderr:")), ("ja", ("コードの出力:", "標準エラー出力:"))],
    ids=["en", "ja"],
)
def test_show_output_adds_what_passing_checks_printed(printed, lang, labels):
    assert printed.passed
    assert "sigmoid got" not in printed.to_text(lang)
    text = printed.to_text(lang, show_output=True)
    assert all(f"  {label}" in text for label in labels)
    assert "    | sigmoid got (" in text
    assert "    | a warning" in text


def test_show_output_adds_stdout_and_stderr_to_every_check_in_json(printed):
    assert all("stdout" not in check for check in printed.to_json("en")["checks"])
    checks = printed.to_json("en", show_output=True)["checks"]
    assert all(set(check) >= {"stdout", "stderr"} for check in checks)
    sigmoid = [check for check in checks if check["name"].startswith("sigmoid")]
    assert sigmoid
    assert all("sigmoid got" in check["stdout"] and "a warning" in check["stderr"] for check in sigmoid)


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_the_show_output_option(printing_solution, output_format):
    arguments = ["exercise", "1", "--file", str(printing_solution), "--format", output_format, "--show-output"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    if output_format == "json":
        assert any("sigmoid got" in check["stdout"] for check in json.loads(result.stdout)["checks"])
    else:
        assert "    | sigmoid got (" in result.stdout


@pytest.mark.parametrize(
    ("lang", "more"), [("en", "    | ... 42 more lines"), ("ja", "    | ... ほか 42 行")], ids=["en", "ja"]
)
def test_show_output_cuts_and_counts_as_for_a_failed_check(lang, more):
    printed = "".join(f"line {n}\n" for n in range(50))
    check = CheckResult("relu: a name", "relu: 名前", Status.PASSED, 1.0, 1.0, stdout=printed)
    result = ExerciseResult(get_exercise(1), Path("ex01_activations.py"), (check,))
    text = result.to_text(lang, show_output=True).splitlines()
    assert "    | line 7" in text
    assert "    | line 8" not in text
    assert more in text
    assert "line 0" not in result.to_text(lang)


def test_a_check_that_hangs_is_started_again_alone_and_finishes_once(tmp_path):
    """relu loops for ever: its check runs in the shared first pass, then alone under its own limit."""
    source = SOLUTION_1.read_text()
    marker = "def relu(x: np.ndarray) -> np.ndarray:\n"
    hanging = tmp_path / "ex01_activations.py"
    hanging.write_text(source.replace(marker, marker + "    while True:\n        pass\n", 1))
    events: list[CheckEvent] = []
    result = grade_exercise(1, hanging, timeout=0.3, progress=events.append)
    relu = [n for n, check in enumerate(result.results, start=1) if check.target == "relu"]
    assert relu
    assert all(result.results[n - 1].error == "timeout" for n in relu)
    first = relu[0]
    kinds = [event.kind for event in events if event.number == first]
    assert kinds.count(STARTED) >= 2, kinds  # the shared pass, then alone
    assert kinds[-1] == FINISHED
    assert kinds.count(FINISHED) == 1
    assert {event.limit for event in events if event.kind == STARTED} <= {0.3}


def test_a_notebook_grading_reports_its_checks_and_not_the_hidden_cell_report(tmp_path):
    """The notebook's extra 0-point check (the cells' report) is not shown as "check 10/10"."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "notebook"))
    from notebooks import write_notebook

    from grader.notebook.grading import grade_notebook_file

    notebook = write_notebook(tmp_path / "mine.ipynb", SOLUTION_1.read_text(encoding="utf-8"))
    events: list[CheckEvent] = []
    result = grade_notebook_file(1, notebook, progress=events.append)
    total = len(result.results)
    assert result.passed
    assert {event.total for event in events} == {total}
    assert {event.number for event in events if event.kind == STARTED} == set(range(1, total + 1))
    assert events[-1] == CheckEvent(DONE, 0, total)
