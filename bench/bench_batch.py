"""Grade a synthetic class end to end and build its report; print the figures.

    python bench/bench_batch.py [--learners 200] [--exercises 5] [--jobs K] [--timeout 2]

Targets (issue 17): at least 50 exercise gradings per second for the whole
`grade batch` process on 2 cores, with `--timeout 2`, and memory flat in class
size: the peak memory of the whole process tree (grader, sandbox zygote,
servers and workers; the sum of their proportional set sizes, sampled every
0.2 s) at most 400 MB, also with `--learners 1000`; the report of that class
built in under 10 s.  History: the first target was 16 gradings/s (instructors'
issue); the 200-learner class measured 19.2/s on a quiet machine before
issue 17.  The class (bench/synthetic_class.py) mixes worked solutions,
known-buggy and alternative-correct files from tests/submissions, untouched
stubs and hostile files (exits, crashes, output floods, stray processes,
endless loops).  `--exercises N` grades only the first N exercises (a shorter
run for a large class).  It also says how much of the gradings' time went to the
few submissions with a check that timed out (each hangs to its limit in CPU
time), and grades the same class once more without its files that loop forever,
for the rate of the rest (a figure, not a target).  Exit status 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATE = 50.0
TARGET_MEMORY_MB = 400.0
TARGET_REPORT_SECONDS = 10.0
ENVIRONMENT = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def grade_command() -> list[str]:
    script = shutil.which("grade")
    return [script] if script else [sys.executable, "-m", "grader"]


def _memory_of(pid: int) -> int:
    """Bytes of memory a process holds: its proportional set size (shared pages split), else its RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def tree_memory(root: int) -> int:
    """The memory of ``root`` and every process below it (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _memory_of(pid)
        stack += children.get(pid, [])
    return total


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command``; its seconds and the peak memory of its process tree in MB.

    Also prints the CPU seconds of the whole tree (every process below is reaped by its
    parent, so ``RUSAGE_CHILDREN`` holds them all): on a shared machine wall time is
    noisy, CPU time much less so.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=ENVIRONMENT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_memory(process.pid))
            time.sleep(0.2)  # a sample costs a few ms of CPU: a rarer one does not slow the batch

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{stderr[-2000:]}")
    print("   ", stdout.strip().splitlines()[0] if stdout.strip() else "")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(f"    CPU of the process tree: {user + system:.1f} s ({user:.1f} user + {system:.1f} system)")
    return elapsed, peak[0] / 2**20


def timed_out_share(gradebook: Path) -> tuple[int, float, float]:
    """(gradings with a check that timed out, their seconds, the seconds of every grading), from the gradebook.

    Seconds are each grading's own wall time (``submissions.elapsed``); gradings run
    several at a time, so the sum is more than the batch took, but the share says
    where the batch's time went: a submission that loops forever runs each check
    that hangs to its limit, in CPU time.
    """
    with sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True) as db:
        (total,) = db.execute("SELECT COALESCE(SUM(elapsed), 0) FROM submissions WHERE current = 1").fetchone()
        count, seconds = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(elapsed), 0) FROM submissions WHERE id IN "
            "(SELECT submission_id FROM check_results WHERE crash = 'timeout')"
        ).fetchone()
    return int(count), float(seconds), float(total)


def without_loops(class_dir: Path, folder: Path, batch: list[str], learners: int, exercises: int) -> None:
    """The same class, less its files that loop forever, graded afresh: what the rest of the batch costs.

    Every other file (and quiz attempt) is the same, so the difference from the
    whole batch is what those few files cost it (each check of theirs that hangs
    runs to its limit in CPU time, and its other checks that call the same
    function to a short limit).
    """
    from synthetic_class import make_class

    rest_dir = make_class(folder / "class-without-loops", learners, seed=0, endless=False)
    gradings = exercise_files(rest_dir, exercises)
    left_out = exercise_files(class_dir, exercises) - gradings
    command = [str(rest_dir) if part == str(class_dir) else part for part in batch]
    command[command.index("--db") + 1] = str(folder / "gradebook-without-loops.sqlite")
    seconds, _memory = timed(command)
    print(f"  without its {left_out} files that loop forever: {gradings / seconds:.1f} gradings/s ({seconds:.1f} s)")


def exercise_files(class_dir: Path, exercises: int) -> int:
    """How many files for exercises 1..``exercises`` the learner folders of ``class_dir`` hold."""
    from synthetic_class import EXERCISES

    names = [f"{EXERCISES[number]}.py" for number in range(1, exercises + 1)]
    return sum(1 for learner in class_dir.iterdir() for name in names if (learner / name).is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--exercises", type=int, default=5, choices=range(1, 6), help="grade exercises 1..N only")
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
        gradings = args.learners * args.exercises
        batch = [*grade, "batch", str(class_dir), "--db", str(gradebook), "--timeout", f"{args.timeout:g}"]
        batch += ["--exercises", f"1-{args.exercises}"]
        if args.jobs:
            batch += ["--jobs", str(args.jobs)]
        print(
            f"grade batch: {args.learners} learners x {args.exercises} exercises = {gradings} gradings, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
        )
        seconds, memory = timed(batch)
        rate = gradings / seconds
        verdict = "ok" if rate >= TARGET_RATE else "MISSED"
        missed += verdict != "ok"
        print(
            f"  {seconds:.1f} s end to end: {rate:.1f} gradings/s (target >= {TARGET_RATE:g})  {verdict}"
            f"  (load average now {os.getloadavg()[0]:.2f})"
        )
        count, hung, total = timed_out_share(gradebook)
        print(
            f"  {count} gradings with a check that timed out took {hung:.1f} s of the {total:.1f} s all gradings ran "
            f"({100 * hung / max(total, 1e-9):.0f}%; each grading's own seconds, several ran at a time)"
        )
        verdict = "ok" if memory <= TARGET_MEMORY_MB else "MISSED"
        missed += verdict != "ok"
        print(f"  peak memory of the process tree: {memory:.0f} MB (target <= {TARGET_MEMORY_MB:g} MB)  {verdict}")
        again, _memory = timed(batch)
        print(f"  re-run with nothing changed: {again:.2f} s (incremental: every submission skipped)")
        without_loops(class_dir, Path(folder), batch, args.learners, args.exercises)
        report_dir = Path(folder) / "report"
        report = [*grade, "report", "--db", str(gradebook), "--html", str(report_dir), "--csv", str(report_dir)]
        seconds, _memory = timed(report)
        verdict = "ok" if seconds <= TARGET_REPORT_SECONDS else "MISSED"
        missed += verdict != "ok"
        print(f"grade report: {seconds:.1f} s (target <= {TARGET_REPORT_SECONDS:g} s)  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
