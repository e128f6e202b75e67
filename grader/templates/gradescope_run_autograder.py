"""Grade one Gradescope submission: every configured exercise, merged into one results.json.

Copied into the autograder bundle as ``run_autograder.py`` next to
``autograder.json`` (``{"exercises": [1, 2], "lang": "en"}``); Gradescope's
``run_autograder`` runs it with the Python that ``setup.sh`` installed the
grader into. It uses only the standard library and the ``grade`` command.

1. finds the learner's ``exNN_*.py`` files anywhere under ``<root>/submission``
   (the shallowest wins when a name appears twice) and copies them into one
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
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import cast

CONFIG = Path(__file__).resolve().with_name("autograder.json")
EXERCISE_FILE = re.compile(r"^ex(\d\d)_\w+\.py$")
SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".git"}
GRADE_TIMEOUT_SECONDS = 1800


def submitted_files(submission: Path) -> dict[str, Path]:
    """File name -> path of every exercise file under ``submission``, shallowest first."""
    found: dict[str, Path] = {}
    candidates = sorted(submission.rglob("ex*.py"), key=lambda path: (len(path.parts), str(path)))
    for path in candidates:
        relative = path.relative_to(submission).parts
        if any(part in SKIPPED_FOLDERS or part.startswith(".") for part in relative[:-1]):
            continue
        if EXERCISE_FILE.match(path.name) and path.is_file() and path.name not in found:
            found[path.name] = path
    return found


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


def grade_all(root: Path, exercises: list[int], lang: str) -> dict:
    """Grade every exercise of the submission under ``root`` and return the results.json document."""
    submission = root / "submission"
    files = submitted_files(submission) if submission.is_dir() else {}
    by_number: dict[int, Path] = {}
    for name in sorted(files):
        # a match by construction: submitted_files keeps only the names EXERCISE_FILE matches
        number = int(cast(re.Match[str], EXERCISE_FILE.match(name)).group(1))
        by_number.setdefault(number, files[name])
    tests: list[dict] = []
    outputs: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dlgrade-") as work:
        for name, path in files.items():
            shutil.copyfile(path, Path(work) / name)
        for number in exercises:
            label = f"Exercise {number}" if lang != "ja" else f"課題 {number}"
            source = by_number.get(number)
            if source is None:
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
                    grade_command(number, Path(work) / source.name, lang),
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
            outputs.append(f"{label} ({source.name}): {document.get('output', '')}")
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
