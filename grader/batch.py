"""Grade a whole class: every learner's exercise files and quiz attempts into a gradebook.

A class directory holds one folder per learner, as LMS bulk downloads and GitHub
Classroom clones produce.  In each, the learner's ``exNN_*.py`` files are graded
with the same checks and sandbox as ``grade exercise``, and quiz attempt files
(the JSON that ``grade quiz`` saves) are imported.  Every result is committed to
the gradebook as soon as it is known, so an interrupted batch loses nothing and
the next run resumes: a submission whose content (and the grader's checks) did
not change is skipped.

Work is spread over a pool of threads that share one warm sandbox zygote; each
submission still gets its own freshly forked, confined sandbox server.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from grader.engine import EXERCISES, ExerciseResult, grade_exercise
from grader.errors import GraderError, UsageError

EXERCISE_FILE = re.compile(r"^ex(\d\d)_\w+\.py$")
IGNORED = {".git", "__pycache__", ".ipynb_checkpoints", ".DS_Store", "__MACOSX", ".grade"}


@dataclass
class Learner:
    """One learner's folder, as found on disk."""

    name: str
    folder: Path
    exercises: dict[int, Path] = field(default_factory=dict)
    attempts: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Task:
    """One exercise file of one learner to grade."""

    learner: str
    exercise: int
    path: Path
    content_hash: str


@dataclass
class Summary:
    """What a batch did."""

    learners: int = 0
    graded: int = 0
    skipped: int = 0
    failed: int = 0
    attempts: int = 0
    problems: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Gradings per second."""
        return self.graded / self.seconds if self.seconds else 0.0


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if any(part in IGNORED for part in path.relative_to(folder).parts):
            continue
        if path.is_file():
            yield path


def _is_attempt(path: Path) -> bool:
    if path.suffix != ".json":
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and "quiz" in data and isinstance(data.get("questions"), list)


def discover(class_dir: Path) -> list[Learner]:
    """Every learner folder of ``class_dir`` with its exercise files, attempts and problems."""
    class_dir = Path(class_dir)
    if not class_dir.is_dir():
        raise UsageError(f"no such class directory: {class_dir}")
    learners = []
    for folder in sorted(p for p in class_dir.iterdir() if p.is_dir() and p.name not in IGNORED):
        learner = Learner(folder.name, folder)
        attempts_folder = folder / ".grade" / "quiz-attempts"
        if attempts_folder.is_dir():
            learner.attempts.extend(sorted(attempts_folder.glob("*.json")))
        for path in _walk(folder):
            match = EXERCISE_FILE.match(path.name)
            if match:
                number = int(match.group(1))
                if number not in EXERCISES:
                    learner.problems.append(f"{path.name}: there is no exercise {number}; ignored")
                elif number in learner.exercises:
                    learner.problems.append(
                        f"two files for exercise {number}: {learner.exercises[number].relative_to(folder)} "
                        f"and {path.relative_to(folder)}; graded the first"
                    )
                else:
                    learner.exercises[number] = path
            elif _is_attempt(path):
                learner.attempts.append(path)
            elif path.suffix in (".py", ".ipynb", ".json", ".txt", ".md"):
                learner.problems.append(f"{path.relative_to(folder)}: not an exercise file or quiz attempt; ignored")
        learners.append(learner)
    return learners


def _read_bytes(path: Path, learner: Learner) -> bytes | None:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as error:
        learner.problems.append(f"{path.name}: can not be read ({error.strerror})")
        return None
    except UnicodeDecodeError:
        learner.problems.append(f"{path.name}: not UTF-8 text; save it as UTF-8")
        return None
    return data


def checks_fingerprint() -> str:
    """A hash of the grader's own checks and reference: results go stale when they change."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for folder in (root, root / "checks", root.parent / "reference"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def plan(learners: list[Learner], exercises: set[int] | None) -> list[Task]:
    """The tasks: one per learner and exercise file, with a content hash.

    The hash covers the file, the learner's other exercise files (a later
    exercise may import an earlier one) and the grader's checks.
    """
    fingerprint = checks_fingerprint()
    tasks = []
    for learner in learners:
        contents = {}
        for number, path in sorted(learner.exercises.items()):
            data = _read_bytes(path, learner)
            if data is not None:
                contents[number] = data
        folder_hash = hashlib.sha256(b"".join(hashlib.sha256(c).digest() for c in contents.values())).hexdigest()
        for number, data in contents.items():
            if exercises is not None and number not in exercises:
                continue
            digest = hashlib.sha256(data + folder_hash.encode() + fingerprint.encode()).hexdigest()
            tasks.append(Task(learner.name, number, learner.exercises[number], digest))
    return tasks


def run_batch(
    class_dir: Path,
    gradebook,
    *,
    jobs: int,
    exercises: set[int] | None = None,
    force: bool = False,
    timeout: float | None = None,
    progress: Callable[[int, int, Task | None, ExerciseResult | None], None] | None = None,
) -> Summary:
    """Grade ``class_dir`` into ``gradebook``.

    Parameters
    ----------
    class_dir : Path
        One folder per learner.
    gradebook : grader.gradebook.Gradebook
        Where results go; each is committed as soon as it is known.
    jobs : int
        Submissions graded at once.
    exercises : set of int, optional
        Only these exercises (default: every exercise file found).
    force : bool
        Grade again what the gradebook already has for the same content.
    timeout : float, optional
        Seconds one graded call may take (default: each exercise's own).
    progress : callable, optional
        ``progress(done, total, task, result)`` after every grading.
    """
    from grader.sandbox import SandboxPool

    started = time.monotonic()
    learners = discover(class_dir)
    summary = Summary(learners=len(learners))
    tasks = plan(learners, exercises)
    for learner in learners:
        for problem in learner.problems:
            gradebook.record_problem(learner.name, problem)
            summary.problems += 1
        for path in learner.attempts:
            data = _read_bytes(path, learner)
            if data is None:
                continue
            try:
                attempt = json.loads(data)
                if gradebook.record_quiz_attempt(learner.name, attempt, hashlib.sha256(data).hexdigest()):
                    summary.attempts += 1
            except ValueError as problem:  # not JSON, or not an attempt the gradebook accepts
                gradebook.record_problem(learner.name, f"{path.name}: not a valid quiz attempt ({problem})")
                summary.problems += 1
    todo = [t for t in tasks if force or not gradebook.is_graded(t.learner, t.exercise, t.content_hash)]
    summary.skipped = len(tasks) - len(todo)
    if progress is not None:
        progress(0, len(todo), None, None)
    if not todo:
        summary.seconds = time.monotonic() - started
        return summary
    checks = {number: EXERCISES[number].build_checks() for number in sorted({t.exercise for t in todo})}
    with SandboxPool() as pool, ThreadPoolExecutor(max_workers=max(1, jobs)) as executor:

        def grade(task: Task) -> ExerciseResult:
            return grade_exercise(
                task.exercise, task.path, timeout=timeout, jobs=1, pool=pool, checks=checks[task.exercise]
            )

        queue = iter(todo)
        running: dict[Future, Task] = {}
        # keep only a few tasks queued, so Ctrl-C stops quickly and nothing is half-recorded
        for task in queue:
            running[executor.submit(grade, task)] = task
            if len(running) >= 2 * jobs:
                break
        done_count = 0
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = running.pop(future)
                    try:
                        result = future.result()
                    except GraderError as error:
                        gradebook.record_problem(task.learner, f"{task.path.name}: could not be graded ({error})")
                        summary.failed += 1
                        result = None
                    else:
                        gradebook.record_exercise(
                            task.learner, task.exercise, task.path.name, task.content_hash, result
                        )
                        summary.graded += 1
                    done_count += 1
                    if progress is not None:
                        progress(done_count, len(todo), task, result)
                    following = next(queue, None)
                    if following is not None:
                        running[executor.submit(grade, following)] = following
        except KeyboardInterrupt:
            for future in running:
                future.cancel()
            raise
    summary.seconds = time.monotonic() - started
    return summary
