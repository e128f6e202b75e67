"""A learner's workspace: the stubs to fill in, and what the grader remembers in ``.grade/``.

``grade init DIR`` makes one::

    DIR/
      README.md            how to work, in English and Japanese
      exercises/           ex01_activations.py ... ex10_train.py, the stubs
      .grade/              the grader's memory of this learner:
        results/exNN.json    the last grading of exercise NN (``grade list``)
        hints.json           how many hints of each check were shown (``grade hint``)
        warm-up.json         the warm-up questions answered (``grade exercise N --warm-up``)
        quiz-attempts/       finished quizzes (``grader.quiz.attempts``)

Every file under ``.grade/`` is written whole, through a temporary file and a
rename, and read leniently: a damaged file is treated as missing, never as a
reason for a command to fail.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.course import stub_paths
from grader.errors import UsageError
from grader.grading.results import ExerciseResult, Status
from grader.statefile import read_state, write_state

STATE_FOLDER = ".grade"
README_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "workspace-README.md"
EXERCISE_GLOB = "ex{number:02d}_*.py"


# --- grade init -------------------------------------------------------------------------


@dataclass(frozen=True)
class InitReport:
    """What ``init_workspace`` did: paths created and learner files it left alone."""

    folder: Path
    created: tuple[Path, ...]
    kept: tuple[Path, ...]


def _has_content(folder: Path) -> bool:
    """Whether ``folder`` holds anything a learner made (hidden entries like ``.git`` do not count)."""
    return any(not entry.name.startswith(".") for entry in folder.iterdir())


def is_workspace(folder: Path) -> bool:
    """Whether ``folder`` is (the start of) a workspace: it has ``exercises/`` or ``.grade/``."""
    return (folder / "exercises").is_dir() or (folder / STATE_FOLDER).is_dir()


def init_workspace(folder: Path, *, allow_nonempty: bool = False) -> InitReport:
    """Create a learner workspace in ``folder``, or add what an existing one is missing.

    Never overwrites: an exercise that already has a file ``exercises/exNN_*.py``
    (whatever its topic part) keeps it, and an existing ``README.md`` stays.

    Parameters
    ----------
    folder : Path
        The workspace to create; it may not exist yet.
    allow_nonempty : bool
        Also set up a folder that has other content and is not a workspace yet
        (by default that is refused: a mistyped ``grade init ~`` would make
        every folder below it part of the workspace).

    Returns
    -------
    InitReport
        The files and folders created, and the learner's files kept.

    Raises
    ------
    UsageError
        ``folder`` is a file, or a non-empty folder that is not a workspace
        and ``allow_nonempty`` is false.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            f"{folder} is a file; name a new folder: grade init DIR",
            f"{folder} はファイルです。新しいフォルダの名前を指定してください: grade init DIR",
        )
    if folder.is_dir() and not allow_nonempty and not is_workspace(folder) and _has_content(folder):
        raise UsageError(
            f"{folder} already holds other files and is not a workspace; choose a new folder "
            f"(grade init {folder / 'dl-exercises'}), or add the workspace to this folder anyway "
            f"(nothing is overwritten): grade init --allow-nonempty {folder}",
            f"{folder} にはワークスペースではないファイルがすでにあります。新しいフォルダを指定するか"
            f"(grade init {folder / 'dl-exercises'})、このフォルダにそのままワークスペースを追加してください"
            f"(上書きはしません): grade init --allow-nonempty {folder}",
        )
    created: list[Path] = []
    kept: list[Path] = []
    for path in (folder, folder / "exercises", folder / STATE_FOLDER):
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            created.append(path)
    for number, stub in sorted(stub_paths().items()):
        existing = sorted((folder / "exercises").glob(EXERCISE_GLOB.format(number=number)))
        if existing:
            kept.extend(existing)
            continue
        target = folder / "exercises" / stub.name
        shutil.copyfile(stub, target)
        created.append(target)
    readme = folder / "README.md"
    if readme.exists():
        kept.append(readme)
    else:
        readme.write_text(README_TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
        created.append(readme)
    return InitReport(folder, tuple(created), tuple(kept))


# --- files under .grade/ -------------------------------------------------------------------


def state_folder(workspace: Path) -> Path:
    """``<workspace>/.grade``."""
    return Path(workspace) / STATE_FOLDER


def find_workspace(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that has an ``exercises/`` folder."""
    for folder in (start, *start.parents):
        if (folder / "exercises").is_dir():
            return folder
    return None


def _now() -> str:
    return datetime.fromtimestamp(time.time()).astimezone().isoformat(timespec="seconds")


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it can not be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def is_learners_file(workspace: Path, path: Path) -> bool:
    """Whether ``path`` is the learner's own work in ``workspace``.

    That is an ``exercises/exNN_*.py`` of the workspace, or a notebook anywhere in
    it; grading another file (a worked solution, a classmate's file) is not
    recorded as the learner's status.
    """
    try:
        relative = Path(path).resolve().relative_to(Path(workspace).resolve())
    except ValueError:
        return False
    if relative.suffix == ".ipynb":
        return True
    return len(relative.parts) == 2 and relative.parts[0] == "exercises" and relative.suffix == ".py"


def is_exercise_file(workspace: Path, path: Path, number: int) -> bool:
    """Whether ``path`` is the learner's file of exercise ``number``: ``exercises/exNN_*.py``, or an ``exNN_*.ipynb``.

    Grading ``ex05_im2col.py`` as exercise 3 is not recorded as exercise 3's
    status (unless the learner says so: ``grade exercise 3 --file F --record``).
    """
    return is_learners_file(workspace, path) and Path(path).name.startswith(f"ex{number:02d}_")


# --- the last grading of each exercise --------------------------------------------------------


def _results_path(workspace: Path, number: int) -> Path:
    return state_folder(workspace) / "results" / f"ex{number:02d}.json"


def record_result(workspace: Path, result: ExerciseResult, path: Path) -> Path:
    """Remember ``result`` of the learner's ``path`` as the last grading of its exercise; return the file written.

    ``path`` is the file the learner named (a notebook's grading runs on a
    module made from it; the record names the notebook).
    """
    number = result.exercise.number
    try:
        shown = Path(path).resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        shown = str(path)
    record = {
        "exercise": number,
        "file": shown,
        "sha256": file_digest(path),
        "graded": _now(),
        "attempted": result.attempted,
        "passed": result.passed,
        "score": result.score,
        "max_score": result.max_score,
        "checks": [{"name": check.name, "status": check.status} for check in result.results],
    }
    path = _results_path(workspace, number)
    write_state(path, record)
    return path


@dataclass(frozen=True)
class ExerciseStatus:
    """An exercise's state as ``grade list`` shows it."""

    state: str  # "not_attempted", "failing" or "passed"
    passing: int = 0
    total: int = 0
    edited_since: bool = False
    file: str | None = None  # the file graded, relative to the workspace (a notebook's name for a notebook)


def exercise_status(workspace: Path, number: int) -> ExerciseStatus:
    """The state of exercise ``number`` from its last grading in ``workspace``."""
    record = read_state(_results_path(workspace, number))
    if not isinstance(record, dict) or not isinstance(record.get("checks"), list):
        return ExerciseStatus(Status.NOT_ATTEMPTED)
    statuses = [check.get("status") for check in record["checks"] if isinstance(check, dict)]
    total = len(statuses)
    passing = sum(1 for status in statuses if status == Status.PASSED)
    graded_file = Path(workspace) / str(record.get("file", ""))
    try:
        digest = file_digest(graded_file) if graded_file.is_file() else None
    except (OSError, ValueError):  # a hand-edited name: too long for the file system, say
        digest = None
    edited = digest is not None and digest != record.get("sha256")
    shown = str(record["file"]) if isinstance(record.get("file"), str) and record["file"] else None
    if not total or all(status == Status.NOT_ATTEMPTED for status in statuses):
        return ExerciseStatus(Status.NOT_ATTEMPTED, passing, total, edited, shown)
    if passing == total:
        return ExerciseStatus(Status.PASSED, passing, total, edited, shown)
    return ExerciseStatus(Status.FAILED, passing, total, edited, shown)


# --- hints shown ---------------------------------------------------------------------------


def hints_shown(workspace: Path, number: int, check_name: str) -> int:
    """How many hint levels ``grade hint`` has shown for this check (0 before the first)."""
    record = read_state(state_folder(workspace) / "hints.json")
    if not isinstance(record, dict):
        return 0
    value = record.get(str(number), {})
    shown = value.get(check_name, 0) if isinstance(value, dict) else 0
    return shown if isinstance(shown, int) and not isinstance(shown, bool) and shown > 0 else 0


def save_hints_shown(workspace: Path, number: int, check_name: str, shown: int) -> None:
    """Remember that ``shown`` hint levels of this check have been shown."""
    path = state_folder(workspace) / "hints.json"
    record = read_state(path)
    if not isinstance(record, dict):
        record = {}
    exercise = record.get(str(number))
    if not isinstance(exercise, dict):
        exercise = record[str(number)] = {}
    exercise[check_name] = int(shown)
    write_state(path, record)


# --- warm-up ---------------------------------------------------------------------------------


def warm_up_done(workspace: Path, number: int) -> str | None:
    """When the warm-up of exercise ``number`` was finished (ISO time), or None."""
    record = read_state(state_folder(workspace) / "warm-up.json")
    entry = record.get(str(number)) if isinstance(record, dict) else None
    finished = entry.get("finished") if isinstance(entry, dict) else None
    return str(finished) if finished else None


def save_warm_up(workspace: Path, number: int, answers: list[dict]) -> None:
    """Remember the warm-up answers of exercise ``number`` (so it is asked once)."""
    path = state_folder(workspace) / "warm-up.json"
    record = read_state(path)
    if not isinstance(record, dict):
        record = {}
    record[str(number)] = {
        "finished": _now(),
        "answers": [
            {"quiz": answer["quiz"], "id": answer["id"], "correct": bool(answer["correct"])} for answer in answers
        ],
    }
    write_state(path, record)
