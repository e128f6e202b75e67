"""Grade a synthetic class end to end and build its report; print the figures.

    python bench/bench_batch.py [--learners 200] [--jobs K] [--timeout 2]

Targets (issue: instructors): at least 16 exercise gradings per second for the
whole `grade batch` process, and the report of that class built in under 10 s.
The class (bench/synthetic_class.py) mixes worked solutions, known-buggy and
alternative-correct files from tests/submissions, untouched stubs and hostile
files (exits, crashes, output floods, stray processes, endless loops).  Exit
status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 16.0
TARGET_REPORT_SECONDS = 10.0
ENVIRONMENT = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def grade_command() -> list[str]:
    script = shutil.which("grade")
    return [script] if script else [sys.executable, "-m", "grader"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=ENVIRONMENT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr[-2000:]}")
    print("   ", completed.stdout.strip().splitlines()[0] if completed.stdout.strip() else "")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=None, help="passed to grade batch (default: its own)")
    parser.add_argument("--timeout", type=float, default=2.0, help="per-call limit passed to grade batch")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic_class import make_class

    grade = grade_command()
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        class_dir = make_class(Path(folder) / "class", args.learners, seed=0)
        gradebook = Path(folder) / "gradebook.sqlite"
        gradings = args.learners * 5
        batch = [*grade, "batch", str(class_dir), "--db", str(gradebook), "--timeout", f"{args.timeout:g}"]
        if args.jobs:
            batch += ["--jobs", str(args.jobs)]
        print(f"grade batch: {args.learners} learners x 5 exercises = {gradings} gradings, {os.cpu_count()} cores")
        seconds = timed(batch)
        rate = gradings / seconds
        verdict = "ok" if rate >= TARGET_RATE else "MISSED"
        missed += verdict != "ok"
        print(f"  {seconds:.1f} s end to end: {rate:.1f} gradings/s (target >= {TARGET_RATE:g})  {verdict}")
        again = timed(batch)
        print(f"  re-run with nothing changed: {again:.2f} s (incremental: every submission skipped)")
        report_dir = Path(folder) / "report"
        report = [*grade, "report", "--db", str(gradebook), "--html", str(report_dir), "--csv", str(report_dir)]
        seconds = timed(report)
        verdict = "ok" if seconds <= TARGET_REPORT_SECONDS else "MISSED"
        missed += verdict != "ok"
        print(f"grade report: {seconds:.1f} s (target <= {TARGET_REPORT_SECONDS:g} s)  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
