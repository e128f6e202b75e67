"""Measure how long `grade exercise N` takes against a bare NumPy import.

Run from the project root:  python bench/bench_grade.py [--runs 7]

For every exercise it times the whole `grade exercise N --file solutions/...`
process and `python -c "import numpy"`, interleaved in the same run so both see
the same machine load, and prints the ratio of their medians.  Target: at most
3x.  Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0


def wall_time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def grade_command() -> list[str]:
    script = shutil.which("grade")
    return [script] if script else [sys.executable, "-m", "grader"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (median)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader.engine import EXERCISES

    baseline_command = [sys.executable, "-c", "import numpy"]
    grade = grade_command()
    wall_time(baseline_command)  # warm the file cache once
    print(f"grade command: {' '.join(grade)}; {args.runs} runs each, medians")
    print(f"{'exercise':10s} {'grade (s)':>10s} {'numpy (s)':>10s} {'ratio':>7s}  target <= {TARGET_RATIO:g}x")
    missed = 0
    for number, exercise in sorted(EXERCISES.items()):
        command = [*grade, "exercise", str(number), "--file", f"solutions/{exercise.module}.py"]
        wall_time(command)
        grade_times, numpy_times = [], []
        for _ in range(args.runs):
            numpy_times.append(wall_time(baseline_command))
            grade_times.append(wall_time(command))
        graded = statistics.median(grade_times)
        baseline = statistics.median(numpy_times)
        ratio = graded / baseline
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
        missed += verdict != "ok"
        print(f"ex{number:02d}       {graded:10.3f} {baseline:10.3f} {ratio:6.2f}x  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
