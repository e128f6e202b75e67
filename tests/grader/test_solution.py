"""``grade solution N`` and the next steps after a pass: shown only after a pass of the current file."""

from __future__ import annotations

import json
import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.results import Status
from grader.learner import commands
from grader.learner import solution as solution_module
from grader.learner.solution import SIDE_BY_SIDE_COLUMNS, aligned, display_lines, side_by_side
from grader.learner.workspace import file_digest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "ex01_activations.py"


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in line)


@pytest.fixture(scope="module")
def passed(tmp_path_factory):
    """A workspace whose exercise 1 passed, graded once for the module through ``grade exercise 1``."""
    workspace = tmp_path_factory.mktemp("passed")
    (workspace / "exercises").mkdir()
    mine = workspace / "exercises" / "ex01_activations.py"
    # the learner's own: the worked solution with a comment of theirs, so the two files differ by a line
    mine.write_text(
        SOLUTION.read_text(encoding="utf-8").replace("import numpy as np\n", "import numpy as np\n# 自分のメモ\n")
    )
    shutil.copy(ROOT / "exercises" / "ex02_softmax_loss.py", workspace / "exercises")
    graded = CliRunner().invoke(main, ["exercise", "1", "--file", str(mine), "--lang", "en"])
    assert graded.exit_code == 0, graded.output
    return workspace, graded.output


@pytest.fixture
def workspace(passed, tmp_path, monkeypatch):
    copy = tmp_path / "ws"
    shutil.copytree(passed[0], copy)
    monkeypatch.chdir(copy)
    return copy


def solution(*arguments: str, columns: int = 120):
    return CliRunner().invoke(main, ["solution", *arguments], env={"COLUMNS": str(columns)})


def record(workspace: Path) -> Path:
    return workspace / ".grade" / "results" / "ex01.json"


# --- the next steps after grade exercise N -----------------------------------------------------------


def test_a_pass_shows_the_next_exercise_what_to_read_and_the_solution(passed):
    output = passed[1]
    assert "every check passed" in output
    steps = output[output.index("Next steps:") :]
    assert "grade exercise 2" in steps
    assert "Deep Learning from Scratch, chapter 3" in steps
    assert "grade quiz 1" in steps
    assert "grade solution 1" in steps


@pytest.fixture
def fake_grading(passed, monkeypatch):
    """``commands.grade`` returning a given result, so that the CLI's text can be checked without a sandbox."""
    workspace = passed[0]
    result = commands.grade(1, workspace / "exercises" / "ex01_activations.py").result

    def install(graded_result, recorded=True):
        path = workspace / "exercises" / "ex01_activations.py"
        monkeypatch.setattr(commands, "grade", lambda *a, **k: commands.Graded(graded_result, path, [], recorded))

    return result, install


def test_next_steps_in_japanese_in_text_only_and_only_after_a_pass(fake_grading):
    result, install = fake_grading
    install(result)
    japanese = CliRunner().invoke(main, ["exercise", "1", "--lang", "ja"])
    assert japanese.exit_code == 0
    assert "次のステップ:" in japanese.output
    assert "次の課題:       2  出力層と損失関数 → grade exercise 2" in japanese.output
    assert "模範解答:       grade solution 1" in japanese.output
    for machine in ("json", "gradescope"):
        document = CliRunner().invoke(main, ["exercise", "1", "--format", machine])
        json.loads(document.stdout)  # nothing after the document
        assert "Next steps" not in document.output
    first, *others = result.results
    install(replace(result, results=(replace(first, status=Status.FAILED, score=0.0), *others)))
    failing = CliRunner().invoke(main, ["exercise", "1", "--lang", "en"])
    assert failing.exit_code == 1
    assert "Next steps" not in failing.output
    install(result, recorded=False)  # e.g. --file of another file: grade solution would refuse
    unrecorded = CliRunner().invoke(main, ["exercise", "1", "--lang", "en"])
    assert "grade exercise 2" in unrecorded.output
    assert "grade solution" not in unrecorded.output


# --- refused before a pass ---------------------------------------------------------------------------


def test_refused_before_any_grading(workspace):
    record(workspace).unlink()
    refused = solution("1", "--lang", "en")
    assert refused.exit_code == 1
    assert "exercise 1 has no recorded pass in this workspace" in refused.output
    assert "Run: grade exercise 1" in refused.output
    assert "def sigmoid" not in refused.output


def test_refused_while_failing(workspace):
    data = json.loads(record(workspace).read_text(encoding="utf-8"))
    data["checks"][0]["status"] = "failed"
    record(workspace).write_text(json.dumps(data), encoding="utf-8")
    total = len(data["checks"])
    refused = solution("1", "--lang", "en")
    assert refused.exit_code == 1
    assert f"has not passed yet ({total - 1} of {total} checks pass" in refused.output
    japanese = solution("1", "--lang", "ja")
    assert "課題 1 はまだ合格していません" in japanese.output


def test_refused_after_the_file_changed_since_the_pass(workspace):
    with (workspace / "exercises" / "ex01_activations.py").open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    refused = solution("1", "--lang", "en")
    assert refused.exit_code == 1
    assert "exercises/ex01_activations.py has changed since it passed exercise 1" in refused.output
    assert "grade exercise 1 && grade solution 1" in refused.output
    assert solution("1", "--write").exit_code == 1
    assert not (workspace / "solutions").exists()


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"",
        b"[1, 2, 3]",
        b'{"checks": "all passed"}',
        b'{"file": 5, "checks": [{"status": "passed"}]}',
        b'{"checks": [{"status": "passed"}]}',
        "\u00ff".encode("latin-1"),
    ],
    ids=["bad-json", "empty", "a-list", "checks-not-a-list", "file-not-a-string", "no-file", "not-utf8"],
)
def test_a_damaged_record_is_no_pass_and_no_traceback(workspace, damage):
    record(workspace).write_bytes(damage)
    refused = solution("1", "--lang", "en")
    assert refused.exit_code == 1, refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
    assert "grade: exercise 1 has no recorded pass" in refused.output


def test_a_record_that_names_a_file_outside_the_workspace_is_refused(workspace, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("secret = 1\n", encoding="utf-8")
    data = json.loads(record(workspace).read_text(encoding="utf-8"))
    for name in ("../elsewhere.py", str(outside)):
        data["file"] = name
        data["sha256"] = file_digest(outside)
        record(workspace).write_text(json.dumps(data), encoding="utf-8")
        refused = solution("1", "--lang", "en")
        assert refused.exit_code == 1
        assert "is not in the workspace" in refused.output
        assert "secret" not in refused.output


def test_outside_a_workspace_and_for_an_unknown_exercise(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = solution("1", "--lang", "en")
    assert outside.exit_code == 2
    assert "no exercises/ folder here or in any folder above" in outside.output
    assert "ワークスペースに移動してください" in solution("1", "--lang", "ja").output
    unknown = solution("99")
    assert unknown.exit_code == 2
    assert "there is no exercise 99" in unknown.output
    assert solution("1", "--force").exit_code == 2  # --force only goes with --write


# --- side by side ------------------------------------------------------------------------------------


def test_shown_side_by_side_fitted_to_the_terminal(workspace):
    for columns in (SIDE_BY_SIDE_COLUMNS, 120, 173):
        shown = solution("1", "--lang", "en", columns=columns)
        assert shown.exit_code == 0, shown.output
        lines = shown.output.splitlines()
        assert all(width(line) <= columns for line in lines), columns
        header = next(line for line in lines if line.startswith("yours: exercises/ex01_activations.py"))
        assert "worked solution: ex01_activations.py" in header
    rows = solution("1", columns=120).output.splitlines()
    # equal lines side by side with their own numbers; the learner's extra line faces a blank
    mine = next(row for row in rows if "# 自分のメモ" in row)
    assert mine.rstrip().endswith("<")
    imports = next(row for row in rows if "import numpy as np" in row)
    assert imports.count("import numpy as np") == 2
    assert " | " in imports
    sigmoid = next(row for row in rows if "def sigmoid" in row)
    left_number, right_number = sigmoid.split()[0], sigmoid.split(" | ")[1].split()[0]
    assert int(left_number) == int(right_number) + 1  # the extra line above shifts the learner's numbers


def test_a_narrow_terminal_shows_the_files_one_after_the_other(workspace):
    shown = solution("1", "--lang", "en", columns=SIDE_BY_SIDE_COLUMNS - 1)
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    yours = lines.index("yours: exercises/ex01_activations.py")
    theirs = lines.index("worked solution: ex01_activations.py")
    assert yours < theirs
    assert not any(" | " in line for line in lines)
    assert "narrower than 100 columns" in shown.output
    assert "2 つのファイルを順に表示しました" in solution("1", "--lang", "ja", columns=60).output


def test_aligned_pairs_equal_lines_and_marks_the_rest():
    left = ["a", "mine", "b", "c", "old"]
    right = ["a", "b", "c", "new", "extra"]
    assert list(aligned(left, right)) == [
        (0, 0, "|"),
        (1, None, "<"),
        (2, 1, "|"),
        (3, 2, "|"),
        (4, 3, "~"),
        (None, 4, "~"),
    ]


@pytest.mark.parametrize("columns", [100, 101, 137, 240])
def test_side_by_side_wraps_long_and_wide_lines_within_the_width(columns):
    long = "x = " + "word " * 80
    japanese = "# " + "日本語のコメント" * 20
    left = ["same", long, japanese, "only mine"]
    right = ["same", long, japanese]
    rows = side_by_side(left, right, columns, ("yours", "solution"))
    assert all(width(row) <= columns for row in rows)
    assert rows[0].startswith("yours")
    assert "solution" in rows[0]
    # a wrapped line: numbered once, the pieces of its left column together are the line
    digits, text_width = 1, (columns - 3 - 2 * 2) // 2
    start = next(index for index, row in enumerate(rows) if row.startswith("2 x = word"))
    pieces = [rows[start][2 : 2 + text_width]]
    pieces += [row[2 : 2 + text_width] for row in rows[start + 1 :] if row[:digits] == " " and row[2:3] != "#"][:50]
    assert len(pieces) > 1
    assert " ".join("".join(pieces).split()).startswith(" ".join(long.split()))


def test_a_very_wide_terminal_does_not_pad_the_columns_beyond_the_longest_line():
    rows = side_by_side(["short", "a bit longer"], ["short", "longer"], 100_000, ("mine", "solution"))
    assert max(width(row) for row in rows) == 2 * len("1 a bit longer") + len(" ~ ")  # the rule under the titles
    assert rows[2] == "1 short        | 1 short"


def test_the_files_shown_have_control_characters_escaped_and_tabs_expanded(tmp_path):
    path = tmp_path / "ex01_x.py"
    path.write_bytes(b"\tx = 1  \r\nprint('\x1b[2J')\n\xff\n")
    assert display_lines(path) == ["    x = 1", "print('\\x1b[2J')", "\ufffd"]


def test_a_notebook_that_passed_is_shown_by_its_code_cells(workspace):
    notebook = workspace / "ex01_work.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "import numpy"}
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}))
    data = json.loads(record(workspace).read_text(encoding="utf-8"))
    data["file"], data["sha256"] = "ex01_work.ipynb", file_digest(notebook)
    record(workspace).write_text(json.dumps(data), encoding="utf-8")
    shown = solution("1", "--lang", "en")
    assert shown.exit_code == 0, shown.output
    assert "yours: ex01_work.ipynb" in shown.output
    assert "# --- cell 1" in shown.output
    assert "import numpy" in shown.output


# --- --write -----------------------------------------------------------------------------------------


def test_write_copies_the_solution_into_the_workspace_and_keeps_a_different_file(workspace):
    target = workspace / "solutions" / "ex01_activations.py"
    written = solution("1", "--write", "--lang", "en")
    assert written.exit_code == 0, written.output
    assert "Wrote the worked solution of exercise 1 to solutions/ex01_activations.py" in written.output
    assert target.read_bytes() == SOLUTION.read_bytes()
    again = solution("1", "--write", "--lang", "en")
    assert again.exit_code == 0
    assert "unchanged" in again.output
    target.write_text("# my notes\n", encoding="utf-8")
    kept = solution("1", "--write", "--lang", "en")
    assert kept.exit_code == 2
    assert "--write --force" in kept.output
    assert target.read_text(encoding="utf-8") == "# my notes\n"
    forced = solution("1", "--write", "--force")
    assert forced.exit_code == 0
    assert target.read_bytes() == SOLUTION.read_bytes()
    assert [path.name for path in target.parent.iterdir()] == [target.name]  # no temporary file left


def test_write_never_follows_a_symbolic_link(workspace, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("keep me\n", encoding="utf-8")
    (workspace / "solutions").mkdir()
    target = workspace / "solutions" / "ex01_activations.py"
    target.symlink_to(outside)
    for arguments in (["--write"], ["--write", "--force"]):
        refused = solution("1", *arguments, "--lang", "en")
        assert refused.exit_code == 2
        assert "symbolic link" in refused.output
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    target.unlink()
    (workspace / "solutions").rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (workspace / "solutions").symlink_to(elsewhere, target_is_directory=True)
    refused = solution("1", "--write", "--force", "--lang", "en")
    assert refused.exit_code == 2
    assert "symbolic link or not a folder" in refused.output
    assert list(elsewhere.iterdir()) == []


def test_a_write_that_fails_is_a_message_and_leaves_nothing_behind(workspace, monkeypatch):
    def full_disk(*_arguments):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(solution_module.os, "replace", full_disk)
    refused = solution("1", "--write", "--lang", "en")
    assert refused.exit_code == 3
    assert "grade: could not write solutions/ex01_activations.py (No space left on device)" in refused.output
    assert list((workspace / "solutions").iterdir()) == []
