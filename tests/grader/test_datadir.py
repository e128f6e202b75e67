"""Progress outside a workspace goes to the user's data folder; a grading is recorded only for its own exercise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.learner.datadir import user_data_dir
from grader.learner.workspace import exercise_status, is_exercise_file

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_2 = ROOT / "solutions" / "ex02_softmax_loss.py"


def grade(*args: str):
    return CliRunner().invoke(main, list(args))


# --- where the data folder is ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        pytest.param({"HOME": "/home/a"}, "linux", "/home/a/.local/share/dlgrade", id="linux"),
        pytest.param({"HOME": "/home/a", "XDG_DATA_HOME": "/xdg"}, "linux", "/xdg/dlgrade", id="xdg"),
        pytest.param({"HOME": "/home/a", "XDG_DATA_HOME": "rel"}, "linux", "/home/a/.local/share/dlgrade",
                     id="relative xdg ignored"),
        pytest.param({"HOME": "/Users/a"}, "darwin", "/Users/a/Library/Application Support/dlgrade", id="macos"),
        pytest.param({"HOME": "/h", "XDG_DATA_HOME": "/xdg", "DLGRADE_DATA_DIR": "/mine"}, "linux", "/mine",
                     id="override"),
    ],
)  # fmt: skip
def test_user_data_dir_follows_the_platform(environ, platform, expected):
    assert user_data_dir(environ, platform) == Path(expected)


def test_user_data_dir_on_windows_is_under_appdata():
    found = user_data_dir({"APPDATA": "C:/Users/a/AppData/Roaming", "USERPROFILE": "C:/Users/a"}, "win32")
    assert found == Path("C:/Users/a/AppData/Roaming") / "dlgrade"
    assert user_data_dir({"USERPROFILE": "/u"}, "win32") == Path("/u/AppData/Roaming/dlgrade")


def test_a_hint_outside_a_workspace_is_remembered_in_the_data_folder(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    stub = tmp_path / "ex02_softmax_loss.py"
    stub.write_text((ROOT / "exercises" / "ex02_softmax_loss.py").read_text(encoding="utf-8"), encoding="utf-8")
    result = grade("hint", "2", "--file", str(stub), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert (data / ".grade" / "hints.json").is_file()
    assert not (tmp_path / ".grade").exists()


# --- what is recorded --------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert grade("init", "ws", "--lang", "en").exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def _row(output: str, number: int) -> str:
    return next(line for line in output.split("\n\n")[0].splitlines() if line.startswith(f"{number:2d}  "))


def test_is_exercise_file_needs_the_exercise_number(workspace):
    exercises = workspace / "exercises"
    assert is_exercise_file(workspace, exercises / "ex05_im2col.py", 5)
    assert not is_exercise_file(workspace, exercises / "ex05_im2col.py", 3)
    assert is_exercise_file(workspace, workspace / "notes" / "ex03_mine.ipynb", 3)
    assert not is_exercise_file(workspace, workspace / "notes" / "work.ipynb", 3)
    assert not is_exercise_file(workspace, SOLUTION_2, 2)  # not in the workspace


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_another_exercises_file_is_shown_not_recorded_and_says_how(workspace, lang):
    result = grade("exercise", "3", "--file", "exercises/ex05_im2col.py", "--lang", lang)
    assert result.exit_code == 1
    assert not (workspace / ".grade" / "results" / "ex03.json").exists()
    assert exercise_status(workspace, 3).state == "not_attempted"
    note = {
        "en": "Not recorded as exercise 3: exercises/ex05_im2col.py is not its exercises/ex03_*.py; "
        "to record it: grade exercise 3 --file exercises/ex05_im2col.py --record",
        "ja": "課題 3 の結果としては記録していません(exercises/ex05_im2col.py は exercises/ex03_*.py ではありません)。"
        "記録するには: grade exercise 3 --file exercises/ex05_im2col.py --record",
    }[lang]
    assert result.stderr.count(note) == 1
    assert note not in result.stdout
    row = _row(grade("list", "--lang", "en").output, 3)
    assert row.endswith("not attempted")
    assert "ex05" not in row


def test_the_exercises_own_file_is_recorded_without_a_note(workspace):
    result = grade("exercise", "5", "--file", "exercises/ex05_im2col.py", "--lang", "en")
    assert (workspace / ".grade" / "results" / "ex05.json").is_file()
    assert "Not recorded" not in result.stderr


def test_record_records_another_file_and_list_names_it(workspace):
    result = grade("exercise", "3", "--file", "exercises/ex05_im2col.py", "--record", "--lang", "en")
    assert result.exit_code == 1
    assert "Not recorded" not in result.stderr
    record = json.loads((workspace / ".grade" / "results" / "ex03.json").read_text(encoding="utf-8"))
    assert record["file"] == "exercises/ex05_im2col.py"
    row = _row(grade("list", "--lang", "en").output, 3)
    assert " ex05_im2col.py " in row
    assert "failing (0 of" in row


def test_record_outside_any_workspace_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "ex02_softmax_loss.py"  # not SOLUTION_2 itself: the checkout has exercises/, a workspace
    copy.write_text(SOLUTION_2.read_text(encoding="utf-8"), encoding="utf-8")
    result = grade("exercise", "2", "--file", str(copy), "--record", "--lang", "en")
    assert result.exit_code == 0
    assert "Not recorded: no workspace (a folder with exercises/) holds" in result.stderr
    assert not (tmp_path / ".grade").exists()


def _notebook(path: Path, source: str) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    document = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_list_names_the_notebook_that_was_graded(workspace):
    notebook = workspace / "notes" / "ex02_softmax.ipynb"
    _notebook(notebook, SOLUTION_2.read_text(encoding="utf-8"))
    result = grade("exercise", "2", "--file", "notes/ex02_softmax.ipynb", "--lang", "en")
    assert result.exit_code == 0, result.output
    row = _row(grade("list", "--lang", "en").output, 2)
    assert "notes/ex02_softmax.ipynb" in row
    assert "ex02_softmax_loss.py" not in row
    assert row.endswith("passed")
    _notebook(workspace / "notes" / "work.ipynb", SOLUTION_2.read_text(encoding="utf-8"))
    other = grade("exercise", "2", "--file", "notes/work.ipynb", "--lang", "ja")
    assert "記録するには: grade exercise 2 --file notes/work.ipynb --record" in other.stderr
    assert "notes/ex02_softmax.ipynb" in _row(grade("list", "--lang", "en").output, 2)


def test_machine_formats_get_no_note(workspace):
    result = grade("exercise", "3", "--file", "exercises/ex05_im2col.py", "--format", "json")
    assert json.loads(result.stdout)["exercise"] == 3
    assert "Not recorded" not in result.stderr
    assert not (workspace / ".grade" / "results" / "ex03.json").exists()
