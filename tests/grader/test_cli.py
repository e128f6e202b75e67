"""The grade command: exit statuses, formats, workspace discovery, usage errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"
STUB_1 = ROOT / "exercises" / "ex01_activations.py"


def grade(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args))
    finally:
        os.chdir(old)


def test_solution_passes_with_exit_0():
    result = grade("exercise", "1", "--file", str(SOLUTION_1), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "every check passed" in result.output
    assert "FAIL" not in result.output


def test_stub_is_not_attempted_with_exit_1():
    result = grade("exercise", "1", "--file", str(STUB_1), "--lang", "en")
    assert result.exit_code == 1
    assert "Not attempted" in result.output
    assert "Traceback" not in result.output


def test_japanese_feedback():
    result = grade("exercise", "1", "--file", str(STUB_1), "--lang", "ja")
    assert "未着手" in result.output


def test_json_is_one_document_with_the_documented_keys():
    result = grade("exercise", "1", "--file", str(SOLUTION_1), "--format", "json")
    document = json.loads(result.output)
    assert set(document) == {"exercise", "passed", "score", "max_score", "checks"}
    assert document["exercise"] == 1
    assert document["passed"] is True
    assert document["score"] == document["max_score"] > 0
    for check in document["checks"]:
        assert set(check) == {"name", "passed", "score", "max_score", "message"}


def test_gradescope_document():
    result = grade("exercise", "1", "--file", str(STUB_1), "--format", "gradescope")
    document = json.loads(result.output)
    assert document["score"] == 0
    assert document["max_score"] > 0
    assert {test["status"] for test in document["tests"]} == {"failed"}
    assert all(test["visibility"] == "visible" for test in document["tests"])


def test_failing_check_shows_expected_got_and_hint(tmp_path):
    broken = tmp_path / "ex01_activations.py"
    broken.write_text(SOLUTION_1.read_text() + "\n\ndef relu(x):\n    x[x < 0] = 0\n    return x\n", encoding="utf-8")
    result = grade("exercise", "1", "--file", str(broken), "--lang", "en")
    assert result.exit_code == 1
    assert "FAIL  relu:" in result.output
    assert "modified its argument x in place" in result.output
    assert "input: x" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exercise", "42"], "there is no exercise 42"),
        (["exercise", "1", "--file", "no/such/file.py"], "no such file"),
        (["exercize", "1"], "Did you mean 'grade exercise'"),
        (["exercise", "one"], "not a valid integer"),
    ],
    ids=["unknown-exercise", "missing-file", "typo", "not-a-number"],
)
def test_usage_errors_exit_2_and_say_what_to_do(args, message):
    result = grade(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_workspace_is_found_from_a_subdirectory(tmp_path):
    (tmp_path / "exercises").mkdir()
    shutil.copy(SOLUTION_1, tmp_path / "exercises" / "ex01_activations.py")
    deep = tmp_path / "notes" / "week1"
    deep.mkdir(parents=True)
    result = grade("exercise", "1", "--lang", "en", cwd=deep)
    assert result.exit_code == 0, result.output


def test_no_workspace_is_a_usage_error(tmp_path):
    result = grade("exercise", "1", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no exercises/ folder" in result.output


def test_list_shows_titles():
    result = grade("list", "--lang", "en")
    assert result.exit_code == 0
    assert "Activation functions" in result.output


def test_console_script_prints_one_json_document_despite_learner_prints(tmp_path):
    noisy = tmp_path / "ex01_activations.py"
    forged = json.dumps({"exercise": 1, "passed": True, "score": 99, "max_score": 99, "checks": []})
    noisy.write_text(
        f"print({forged!r})\n" + "def relu(x):\n    print('{\"passed\": true}')\n    raise NotImplementedError\n",
        encoding="utf-8",
    )
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "exercise", "1", "--file", str(noisy), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert document["passed"] is False
    assert document["score"] == 0
