"""A file that does not import is one failure, reported once, with the file's own name and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grader.grading.engine import grade_exercise
from grader.grading.results import ExerciseResult, Status

ROOT = Path(__file__).resolve().parents[2]


def _grade(tmp_path: Path, name: str, source: str, number: int = 3, timeout: float = 2.0) -> ExerciseResult:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return grade_exercise(number, path, timeout=timeout)


def test_a_syntax_error_is_one_message_naming_the_file_given_and_its_line(tmp_path):
    result = _grade(tmp_path, "my_backprop.py", "import numpy as np\n\n\ndef d_relu(u):\n    return (u > 0\n")
    failure = result.import_failure
    assert failure is not None
    message = failure.message("en")
    assert 'File "my_backprop.py", line 5' in message
    assert "ex03_backward.py" not in message
    assert "SyntaxError" in message
    assert {check.status for check in result.results} == {Status.FAILED}
    assert result.score == 0


def test_an_endless_loop_at_import_is_one_message_about_the_top_level(tmp_path):
    result = _grade(tmp_path, "work.py", "while True:\n    pass\n", timeout=1.0)
    failure = result.import_failure
    assert failure is not None
    assert "top-level code" in failure.lines[0].en
    assert "did not finish within 1 s" in failure.message("en")
    assert "if __name__ == '__main__':" in failure.message("en")


def test_the_text_report_says_it_once_and_json_keeps_one_field(tmp_path):
    path = tmp_path / "mywork.py"
    path.write_text("import numpy as np\nraise ValueError('data.csv not found')\n")
    text = subprocess.run(
        [sys.executable, "-m", "grader", "exercise", "3", "--file", str(path), "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert text.count("ValueError: data.csv not found") == 1
    assert "importlib" not in text  # frames of the machinery are not the learner's
    assert text.count("could not be imported") == 1
    assert "no check could run until mywork.py imports" in text
    document = json.loads(
        subprocess.run(
            [sys.executable, "-m", "grader", "exercise", "3", "--file", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout
    )
    assert "data.csv not found" in document["import_error"]
    assert all("data.csv" not in check["message"] for check in document["checks"])


def test_a_traceback_from_a_check_names_the_file_given(tmp_path):
    source = (ROOT / "solutions" / "ex01_activations.py").read_text() + "\n\ndef relu(x):\n    raise KeyError('w')\n"
    result = _grade(tmp_path, "attempt2.py", source, number=1)
    relu = [check for check in result.results if check.target == "relu"]
    assert result.import_failure is None
    assert all(any('File "attempt2.py"' in line.en for line in check.lines) for check in relu)


def test_the_result_survives_a_round_trip_with_its_import_failure(tmp_path):
    result = _grade(tmp_path, "broken.py", "import nothing_like_this\n")
    again = ExerciseResult.from_data(json.loads(json.dumps(result.to_data())))
    assert again.import_failure == result.import_failure
