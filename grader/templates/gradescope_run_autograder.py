"""Grade one Gradescope submission: every configured exercise, merged into one results.json.

Copied into the autograder bundle as ``run_autograder.py`` next to
``autograder.json`` (``{"exercises": [1, 2], "lang": "en"}``); Gradescope's
``run_autograder`` runs it with the Python that ``setup.sh`` installed the
grader into. It uses the standard library, the ``grade`` command and the
grader's own ``collect_submission``.

1. picks the file graded for each exercise under ``<root>/submission`` with
   ``grade batch``'s own rule and reading (``grader.classroom.batch.collect_submission``:
   the shallowest, then a ``.py`` over a notebook over a file in a zip, then
   by name; notebooks become their code cells, zips are read in memory, a
   Shift_JIS file is read as such) and writes each as UTF-8 Python into one
   folder, so an exercise that imports an earlier one finds it;
2. runs ``grade exercise N --file ... --format gradescope`` for each exercise;
3. writes ``<root>/results/results.json``: one test per check, the scores
   summed, one output line per exercise.

``<root>`` is ``/autograder``, or ``$GRADESCOPE_ROOT`` (tests point it at a
temporary folder).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = Path(__file__).resolve().with_name("autograder.json")
GRADE_TIMEOUT_SECONDS = 1800


def submitted_files(submission: Path) -> tuple[dict[int, tuple[str, str, str]], list[str]]:
    """Exercise number -> (the file graded, as the learner named it; its Python text; the copy's name), and problems.

    The same walk, limits and rule as ``grade batch`` (``collect_submission``).
    """
    from grader.classroom.batch import collect_submission

    chosen, problems = collect_submission(submission)
    files = {number: (found.relative, text, found.staged_name) for number, (found, text) in chosen.items()}
    return files, problems


def grade_command(number: int, path: Path, lang: str) -> list[str]:
    """The ``grade exercise`` call for one file (the grader installed for this Python)."""
    return [sys.executable, "-m", "grader", "exercise", str(number), "--file", str(path),
            "--format", "gradescope", "--lang", lang]  # fmt: skip


def max_points(number: int) -> float:
    """Points exercise ``number`` is worth, from the grader's own checks."""
    try:
        from grader.errors import GraderError
        from grader.grading.engine import get_exercise
    except ImportError:  # results.json is written even when the grader is broken
        return 0.0
    try:
        return float(sum(check.points for check in get_exercise(number).build_checks()))
    except GraderError:
        return 0.0


def problem_test(number: int, name: str, output: str) -> dict:
    """A failed test that stands for an exercise that could not be graded."""
    return {
        "name": name,
        "number": f"{number}.0",
        "score": 0.0,
        "max_score": max_points(number),
        "status": "failed",
        "output": output,
        "visibility": "visible",
    }


def broken_grader(exercises: list[int], lang: str, message: str) -> dict:
    """The results.json document when nothing can be graded: one failed test per exercise."""
    tests = []
    for number in exercises:
        label = f"Exercise {number}" if lang != "ja" else f"課題 {number}"
        tests.append(problem_test(number, f"{label}: could not be graded", message))
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def grade_all(root: Path, exercises: list[int], lang: str) -> dict:
    """Grade every exercise of the submission under ``root`` and return the results.json document."""
    submission = root / "submission"
    try:
        by_number, problems = submitted_files(submission) if submission.is_dir() else ({}, [])
    except ImportError as problem:  # a broken grader: results.json still says so, per exercise
        return broken_grader(exercises, lang, f"the grader could not be imported ({problem})")
    tests: list[dict] = []
    outputs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dlgrade-") as work:
        staged: dict[int, Path] = {}
        for number, (_shown, text, name) in by_number.items():
            staged[number] = Path(work) / name
            staged[number].write_text(text, encoding="utf-8")
        for number in exercises:
            label = f"Exercise {number}" if lang != "ja" else f"課題 {number}"
            if number not in by_number:
                message = (
                    f"no ex{number:02d}_*.py in the submission; upload your exercise files"
                    if lang != "ja"
                    else f"提出物に ex{number:02d}_*.py がありません。課題ファイルをアップロードしてください"
                )
                missing = "file missing" if lang != "ja" else "ファイルなし"
                tests.append(problem_test(number, f"{label}: {missing}", message))
                outputs.append(f"{label}: {message}")
                continue
            try:
                done = subprocess.run(
                    grade_command(number, staged[number], lang),
                    capture_output=True,
                    text=True,
                    timeout=GRADE_TIMEOUT_SECONDS,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                message = f"grading took longer than {GRADE_TIMEOUT_SECONDS} s"
                tests.append(problem_test(number, f"{label}: {message}", message))
                outputs.append(f"{label}: {message}")
                continue
            document = None
            if done.returncode in (0, 1):
                try:
                    document = json.loads(done.stdout)
                except json.JSONDecodeError:
                    document = None
            if document is None:
                detail = (done.stderr or done.stdout).strip()[-2000:]
                message = f"could not be graded (exit status {done.returncode}): {detail}"
                tests.append(problem_test(number, f"{label}: could not be graded", message))
                outputs.append(f"{label}: {message}")
                continue
            tests.extend(document.get("tests", []))
            outputs.append(f"{label} ({by_number[number][0]}): {document.get('output', '')}")
    outputs.extend(f"note: {problem}" for problem in problems)
    return {
        "score": sum(float(test.get("score", 0.0)) for test in tests),
        "output": "\n".join(outputs),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def main() -> int:
    """Grade the submission and write results.json; exit 0 unless results.json could not be written."""
    root = Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    results = grade_all(root, [int(number) for number in config["exercises"]], config.get("lang", "en"))
    folder = root / "results"
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / "results.json.tmp"
    temporary.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(folder / "results.json")
    print(results["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
