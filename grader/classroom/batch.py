"""Grade a whole class: every learner's exercise files and quiz attempts into a gradebook.

A class directory holds one folder per learner, as LMS bulk downloads and GitHub
Classroom clones produce.  In each, the learner's ``exNN_*.py`` and
``exNN_*.ipynb`` files, also inside zip uploads, are graded (one file per
exercise, picked by ``grader.classroom.uploads.choose``; notebooks, zips and
source encodings as ``grader.classroom.uploads`` says) with the same checks
and sandbox as ``grade exercise``, and quiz attempt files
(the JSON that ``grade quiz`` saves) are re-scored against the course's answer
keys and imported.  Every result is committed to the gradebook as soon as it is
known, so an interrupted batch loses nothing and the next run resumes: a
submission whose content (and the grader's checks) did not change is skipped.
(A power cut may undo the last few gradings, whole: ``Gradebook.fast_commits``;
the next run grades them again.)

Work is spread over a pool of threads that share one warm sandbox zygote; each
submission still gets its own freshly forked, confined sandbox server.

Nothing in a learner folder is trusted
--------------------------------------
A learner folder is read as hostile input.  Whatever is wrong with it is a
problem recorded for that learner (shown in the report); the batch goes on and
records everyone else.

- A symbolic link is never followed nor opened: a symlinked file or folder in a
  learner folder, or a learner folder that is itself a symlink, is a problem
  ("ex01_activations.py is a symbolic link; not followed").  Files that are not
  regular files (FIFOs, sockets, devices) are never opened either.  A file is
  opened with ``O_NOFOLLOW | O_NONBLOCK`` and read only once ``fstat`` says it is
  still the regular file ``lstat`` saw, and never past its size limit.
- The walk of a learner folder is bounded: files at most ``MAX_DEPTH`` (8)
  folders below the learner folder, and ``MAX_ENTRIES`` (5000) directory
  entries per learner, top level first; folders named in ``IGNORED`` (``.git``,
  ``__pycache__``, ...) are skipped.
- Sizes read are bounded: ``MAX_SOURCE_BYTES`` (1 MiB) per exercise file
  (16 MiB per notebook), ``MAX_ZIPS`` (10) zip files per learner, one held in
  memory at a time,
  ``MAX_ATTEMPT_BYTES`` (256 KiB) per JSON file and ``MAX_ATTEMPT_FILES`` (500)
  JSON files per learner; ``MAX_PROBLEMS`` (50) problems are kept per learner.
- Every error parsing a learner's file (not UTF-8, not JSON, a 5000-digit
  integer, nesting 100 000 deep, numbers too large for SQLite) is caught around
  that file and becomes a problem.
- Quiz attempts are re-scored from their answers against the answer key
  (``grader.classroom.attempts.rescore_attempt``); the score a file states is ignored, and
  an attempt at a quiz or question that does not exist, or with a malformed
  answer, is a problem.  The bank is loaded once per batch.
- What is graded is what was read: the exercise files are copied, after the
  checks above, into a private folder that the sandbox grades, and a file that
  changed since it was hashed is a problem (graded by the next run).
- A zip is read in memory, never extracted (``grader.classroom.uploads``).

Each run records what the folders hold now: a file gone or no longer gradable
leaves its exercise without a current grade (history kept), the problems are
this run's, only the attempt files present count; with ``exercises``, only
those exercises are touched.  A roster (``grader.classroom.roster``) adds
its learners, with or without a folder.

Names, paths and problems are stored cut and escaped (``grader.classroom.gradebook``).  A
full disk or an unwritable gradebook stops the batch with a ``GradebookError``
(exit status 3); everything committed before stays.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from grader.classroom.gradebook import (
    FILE_NAME_LIMIT,
    AttemptError,
    Gradebook,
    GradebookError,
    learner_name,
    quiz_attempt_rows,
)
from grader.classroom.roster import not_in_roster
from grader.classroom.shards import Shard
from grader.classroom.shards import claim as claim_shard
from grader.classroom.uploads import (
    MAX_NOTEBOOK_BYTES,
    MAX_ZIP_BYTES,
    Candidate,
    UploadError,
    choose,
    digest,
    duplicates_problem,
    exercise_of,
    gradable_source,
    list_zip,
    read_member,
    utc_time,
)
from grader.errors import GraderError, QuizError, SandboxError, UsageError
from grader.grading.engine import EXERCISES, grade_exercise
from grader.grading.results import ExerciseResult

if TYPE_CHECKING:
    from grader.classroom.roster import Roster
    from grader.quiz.bank import Quiz

EXERCISE_FILE = re.compile(r"^ex(\d\d)_\w+\.(py|ipynb)$")
IGNORED = {".git", "__pycache__", ".ipynb_checkpoints", ".DS_Store", "__MACOSX", ".grade"}
ATTEMPTS_FOLDER = (".grade", "quiz-attempts")
NOTED_SUFFIXES = (".py", ".ipynb", ".json", ".txt", ".md")

MAX_DEPTH = 8
MAX_ENTRIES = 5000
MAX_SOURCE_BYTES = 1 << 20
MAX_ATTEMPT_BYTES = 256 << 10
MAX_ATTEMPT_FILES = 500
MAX_PROBLEMS = 50
MAX_ZIPS = 10

# what parsing a learner's file can raise, besides OSError: UnicodeDecodeError and json's errors are
# ValueErrors, as is Python's limit on the digits of an int; deep nesting is a RecursionError
PARSE_ERRORS = (ValueError, RecursionError, MemoryError, OverflowError)


class UnsafeFile(Exception):
    """A learner's file that is not opened or not read to the end (a symlink, a FIFO, too large)."""


@dataclass
class Learner:
    """One learner's folder, as found on disk.

    ``candidates`` maps an exercise number to every file found for it (zip
    entries join them when ``plan`` reads the zips in ``zips``: ``(path,
    depth, mtime)``); ``exercises`` is the candidate graded for each number
    (``grader.classroom.uploads.choose``), filled by ``plan``.  ``attempts``
    lists JSON files that may be quiz attempts, each with whether it lay in
    ``.grade/quiz-attempts``.
    """

    name: str
    folder: Path
    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    zips: list[tuple[str, int]] = field(default_factory=list)
    exercises: dict[int, Candidate] = field(default_factory=dict)
    attempts: list[tuple[str, bool]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    digests: dict[int, str] = field(default_factory=dict)
    dropped_problems: int = 0

    def note(self, problem: str) -> None:
        """Record a problem; past ``MAX_PROBLEMS`` only count it."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.dropped_problems += 1

    def all_problems(self) -> list[str]:
        """The problems, with a last line saying how many more were not kept."""
        if not self.dropped_problems:
            return list(self.problems)
        return [*self.problems, f"... and {self.dropped_problems} more problems in this folder (not listed)"]


@dataclass(frozen=True)
class Task:
    """One exercise file of one learner to grade.

    ``files`` are the file graded for every exercise of the learner, with the
    sha256 of its bytes: they are staged together, since a later exercise may
    import an earlier one.
    """

    learner: str
    exercise: int
    path: Path
    content_hash: str
    files: tuple[tuple[Candidate, str], ...] = ()
    folder: Path | None = None

    @property
    def candidate(self) -> Candidate | None:
        """The file graded for this task's exercise."""
        return next((candidate for candidate, _ in self.files if candidate.exercise == self.exercise), None)

    @property
    def shown(self) -> str:
        """The file as the learner knows it: its path in the learner's folder (a zip entry: ``a.zip/ex01_x.py``)."""
        candidate = self.candidate
        return _shown(candidate.relative) if candidate is not None else shown_name(self.path.name)


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
    bank_errors: list[QuizError] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)  # folders the roster does not name
    no_folder: list[str] = field(default_factory=list)  # roster learners without a folder
    retired: int = 0  # current grades dropped: the file is gone or not gradable now

    @property
    def rate(self) -> float:
        """Gradings per second."""
        return self.graded / self.seconds if self.seconds else 0.0


# --- reading a learner's files ------------------------------------------------------------------


def shown_name(name: str) -> str:
    r"""A file or folder name as text: bytes that are not UTF-8 written as ``\xff`` escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``limit`` bytes.

    ``lstat`` first (a symlink, FIFO, socket or device is never opened), then
    ``open`` with ``O_NOFOLLOW | O_NONBLOCK``, ``fstat`` that the file opened is
    the regular file seen, and a read that stops after ``limit + 1`` bytes.

    Raises
    ------
    UnsafeFile
        With the reason, when the file is not read.
    OSError
        When it can not be read.
    """
    before = os.lstat(path)
    if not stat.S_ISREG(before.st_mode):
        raise UnsafeFile(
            f"is {_kind(before.st_mode)}; not opened"
            if not stat.S_ISLNK(before.st_mode)
            else "is a symbolic link; not followed"
        )
    if before.st_size > limit:
        raise UnsafeFile(f"is larger than {_size(limit)} ({_size(before.st_size)}); not read")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        after = os.fstat(descriptor)
        if not stat.S_ISREG(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
            raise UnsafeFile("changed while it was opened; not read")
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(descriptor)
    if size > limit:
        raise UnsafeFile(f"is larger than {_size(limit)}; not read")
    return b"".join(chunks)


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.0f} MiB" if count % (1 << 20) == 0 else f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.0f} KiB"
    return f"{count} bytes"


def _shown(relative: str) -> str:
    """A learner-relative path for a problem: readable (``shown_name``) and cut so a deep path does not fill it."""
    text = shown_name(relative)
    if len(text) <= FILE_NAME_LIMIT:
        return text
    return "..." + text[-(FILE_NAME_LIMIT - 3) :]


# --- discovery ---------------------------------------------------------------------------------


def _scan(learner: Learner) -> None:
    """Walk the learner's folder, breadth first and bounded; never follow a link nor open a file."""
    queue: deque[tuple[Path, str, int]] = deque([(learner.folder, "", 0)])
    budget = MAX_ENTRIES
    while queue:
        folder, prefix, depth = queue.popleft()
        entries = []
        try:
            with os.scandir(folder) as found:
                for entry in found:
                    if budget <= 0:
                        learner.note(
                            f"the folder holds more than {MAX_ENTRIES} files and folders; the rest were not looked at"
                        )
                        queue.clear()
                        break
                    budget -= 1
                    entries.append(entry)
        except OSError as problem:
            learner.note(f"{_shown(prefix or '.')}: the folder can not be read ({problem.strerror})")
            continue
        for entry in sorted(entries, key=lambda item: item.name):
            relative = f"{prefix}{entry.name}"  # the name as the file system has it: shown_name() for messages
            if entry.name in IGNORED:
                if depth == 0 and entry.name == ATTEMPTS_FOLDER[0]:
                    _scan_attempts(learner, Path(entry.path), relative)
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as problem:
                learner.note(f"{_shown(relative)}: can not be read ({problem.strerror})")
                continue
            if stat.S_ISLNK(mode):
                learner.note(f"{_shown(relative)} is a symbolic link; not followed")
            elif stat.S_ISDIR(mode):
                if depth + 1 > MAX_DEPTH:
                    learner.note(
                        f"{_shown(relative)}: folders nested deeper than {MAX_DEPTH} levels are not looked into"
                    )
                else:
                    queue.append((Path(entry.path), relative + "/", depth + 1))
            elif not stat.S_ISREG(mode):
                learner.note(f"{_shown(relative)} is {_kind(mode)}; not opened")
            else:
                _classify(learner, entry.name, relative, depth, entry.stat(follow_symlinks=False).st_mtime)


def _scan_attempts(learner: Learner, grade_folder: Path, relative: str) -> None:
    """The JSON files of ``.grade/quiz-attempts``, where ``grade quiz`` saves attempts."""
    for part in (grade_folder, grade_folder / ATTEMPTS_FOLDER[1]):
        try:
            mode = os.lstat(part).st_mode
        except FileNotFoundError:
            return
        except OSError as problem:
            learner.note(f"{relative}: can not be read ({problem.strerror})")
            return
        shown = relative if part == grade_folder else f"{relative}/{ATTEMPTS_FOLDER[1]}"
        if stat.S_ISLNK(mode):
            learner.note(f"{shown} is a symbolic link; not followed")
            return
        if not stat.S_ISDIR(mode):
            return
    folder = grade_folder / ATTEMPTS_FOLDER[1]
    entries: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as found:
            for entry in found:
                if len(entries) >= MAX_ENTRIES:
                    break
                entries.append(entry)
    except OSError as problem:
        learner.note(f"{relative}/{ATTEMPTS_FOLDER[1]}: the folder can not be read ({problem.strerror})")
        return
    for entry in sorted(entries, key=lambda item: item.name):
        if not entry.name.endswith(".json"):
            continue  # a .tmp left by an interrupted save, notes, ...
        found_relative = f"{relative}/{ATTEMPTS_FOLDER[1]}/{entry.name}"
        if entry.is_symlink():
            learner.note(f"{_shown(found_relative)} is a symbolic link; not followed")
        elif not entry.is_file(follow_symlinks=False):
            learner.note(f"{_shown(found_relative)} is not a regular file; not opened")
        else:
            learner.attempts.append((found_relative, True))


def _classify(learner: Learner, name: str, relative: str, depth: int, mtime: float) -> None:
    number = exercise_of(name)
    if number is not None:
        if number not in EXERCISES:
            learner.note(f"{_shown(relative)}: there is no exercise {number}; ignored")
        else:
            source = "ipynb" if name.endswith(".ipynb") else "py"
            learner.candidates.setdefault(number, []).append(
                Candidate(number, relative, source, depth, utc_time(mtime))
            )
    elif name.lower().endswith(".zip"):
        learner.zips.append((relative, depth))
    elif name.endswith(".json"):
        learner.attempts.append((relative, False))
    elif name.endswith(NOTED_SUFFIXES):
        learner.note(f"{_shown(relative)}: not an exercise file or quiz attempt; ignored")


def discover(class_dir: Path) -> list[Learner]:
    """Every learner folder of ``class_dir`` with its exercise files, attempts and problems.

    Nothing is opened here: the folders are listed (see the module's rules).
    A learner folder that is a symbolic link is a learner with that problem.
    """
    class_dir = Path(class_dir)
    if not class_dir.is_dir():
        raise UsageError(f"no such class directory: {class_dir}")
    try:
        with os.scandir(class_dir) as found:
            entries = sorted(found, key=lambda item: item.name)
    except OSError as problem:
        raise UsageError(f"the class directory {class_dir} can not be read ({problem.strerror})") from None
    learners = []
    taken: set[str] = set()
    for entry in entries:
        if entry.name in IGNORED:
            continue
        try:
            is_link = entry.is_symlink()
            is_folder = entry.is_dir()  # follows a link, to tell a linked learner folder from a linked file
        except OSError:
            continue
        if not is_folder:
            continue
        name = learner_name(shown_name(entry.name))
        while name in taken:  # two folder names that read the same once escaped
            name += "~"
        taken.add(name)
        learner = Learner(name, Path(entry.path))
        if is_link:
            learner.note(f"the learner folder {name} is a symbolic link; not followed")
        else:
            _scan(learner)
        learners.append(learner)
    return learners


# --- planning ----------------------------------------------------------------------------------


def _limit(candidate: Candidate) -> int:
    return MAX_NOTEBOOK_BYTES if candidate.kind == "ipynb" else MAX_SOURCE_BYTES


def read_candidate(folder: Path, candidate: Candidate, zips: dict[str, bytes] | None = None) -> bytes:
    """The bytes of a candidate file: read from the folder (``read_regular``), or from its zip in memory.

    ``zips`` keeps the last zip file read (path -> bytes), so that the
    entries of one zip are read from one copy, and at most one zip is held.

    Raises
    ------
    UnsafeFile, UploadError, OSError
        When it can not be read; the message completes the file's shown path.
    """
    if candidate.source != "zip":
        return read_regular(folder / candidate.relative, _limit(candidate))
    cache = {} if zips is None else zips
    if candidate.container not in cache:
        cache.clear()
        cache[candidate.container] = read_regular(folder / candidate.container, MAX_ZIP_BYTES)
    return read_member(cache[candidate.container], candidate.member)


def _gradable(learner: Learner, candidate: Candidate, zips: dict[str, bytes]) -> bytes | None:
    """The candidate's bytes when it can be graded (read, decoded, a notebook parsed); else None and a problem."""
    shown = _shown(candidate.relative)
    try:
        data = read_candidate(learner.folder, candidate, zips)
        gradable_source(data, candidate.kind, candidate.file_name)
    except (UnsafeFile, UploadError) as problem:
        learner.note(f"{shown}: {problem}" if isinstance(problem, UploadError) else f"{shown} {problem}")
        return None
    except OSError as problem:
        learner.note(f"{shown}: can not be read ({problem.strerror})")
        return None
    return data


def _read_zips(learner: Learner, zips: dict[str, bytes]) -> None:
    """Add every zip's exercise entries to the learner's candidates; a zip's problems are the learner's.

    At most ``MAX_ZIPS`` zips are read per learner; ``zips`` keeps the last one.
    """
    for position, (relative, depth) in enumerate(learner.zips):
        if position >= MAX_ZIPS:
            learner.note(f"more than {MAX_ZIPS} zip files; the rest were not opened (upload one zip)")
            break
        shown = _shown(relative)
        try:
            data = read_regular(learner.folder / relative, MAX_ZIP_BYTES)
            listing = list_zip(data, relative, depth)
        except (UnsafeFile, UploadError) as problem:
            learner.note(f"{shown} {problem}")
            continue
        except OSError as problem:
            learner.note(f"{shown}: can not be read ({problem.strerror})")
            continue
        zips.clear()
        zips[relative] = data
        for found in listing.problems:
            learner.note(shown_name(found))
        for candidate in listing.candidates:
            if candidate.exercise not in EXERCISES:
                learner.note(f"{_shown(candidate.relative)}: there is no exercise {candidate.exercise}; ignored")
            else:
                learner.candidates.setdefault(candidate.exercise, []).append(candidate)


def checks_fingerprint() -> str:
    """A hash of the grader's own checks and reference: results go stale when they change."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for folder in (root / "grading", root / "sandbox", root / "checks", root.parent / "reference"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def plan(learners: list[Learner], exercises: set[int] | None) -> list[Task]:
    """The tasks: one per learner and exercise graded, with a content hash.

    For each exercise, one candidate is graded (``grader.classroom.uploads.choose``;
    the others are a problem); zips are read in memory.  The hash covers the
    file graded, the learner's other exercise files (a later exercise may
    import an earlier one) and the grader's checks.  Files are read one at a
    time (``read_regular``, ``MAX_SOURCE_BYTES``) and only their hashes are
    kept; a zip only while its learner is planned.
    """
    fingerprint = checks_fingerprint()
    tasks = []
    for learner in learners:
        zips: dict[str, bytes] = {}
        _read_zips(learner, zips)
        digests: dict[int, bytes] = {}
        for number, candidates in sorted(learner.candidates.items()):
            chosen, others = choose(candidates)
            learner.exercises[number] = chosen
            if others:
                learner.note(duplicates_problem(chosen, others, _shown))
            data = _gradable(learner, chosen, zips)
            if data is not None:
                digests[number] = hashlib.sha256(data).digest()
                learner.digests[number] = digest(data)
        zips.clear()
        folder_hash = hashlib.sha256(b"".join(digests.values())).hexdigest()
        files = tuple((learner.exercises[number], learner.digests[number]) for number in sorted(digests))
        for number, file_digest in digests.items():
            if exercises is not None and number not in exercises:
                continue
            # the file's own hash stands for the file, so no file is kept in memory
            content_hash = hashlib.sha256(file_digest + folder_hash.encode() + fingerprint.encode()).hexdigest()
            chosen = learner.exercises[number]
            tasks.append(
                Task(
                    learner.name,
                    number,
                    learner.folder / (chosen.container or chosen.relative),
                    content_hash,
                    files,
                    learner.folder,
                )
            )
    return tasks


def collect_submission(folder: Path) -> tuple[dict[int, tuple[Candidate, str]], list[str]]:
    """The file graded for each exercise in one submission folder, as Python text, and the folder's problems.

    The Gradescope bundle's ``run_autograder.py`` calls it, so that it walks,
    reads and picks files exactly as ``grade batch`` does (the same limits,
    links never followed, the same rule, notebooks and zips).
    """
    learner = Learner("submission", Path(folder))
    _scan(learner)
    zips: dict[str, bytes] = {}
    _read_zips(learner, zips)
    chosen: dict[int, tuple[Candidate, str]] = {}
    for number, candidates in sorted(learner.candidates.items()):
        candidate, others = choose(candidates)
        if others:
            learner.note(duplicates_problem(candidate, others, _shown))
        data = _gradable(learner, candidate, zips)
        if data is not None:
            chosen[number] = (candidate, gradable_source(data, candidate.kind, candidate.file_name))
    return chosen, learner.all_problems()


# --- quiz attempts -----------------------------------------------------------------------------


def _looks_like_attempt(data: object) -> bool:
    return isinstance(data, dict) and "quiz" in data and isinstance(data.get("questions"), list)


def import_attempts(
    learner: Learner,
    gradebook,
    bank: dict[tuple[int, str], Quiz],
    left_out: set[int],
    present: set[str] | None = None,
    key: str | None = None,
    skip_known: bool = True,
) -> int:
    """Re-score and record the learner's quiz attempt files; the number added or updated.

    A file outside ``.grade/quiz-attempts`` counts only when it looks like an
    attempt (an object with ``quiz`` and ``questions``).  Every problem with a
    file (unreadable, not JSON, a refused attempt) is noted on ``learner``;
    only the gradebook's own errors (a full disk) propagate.  The content
    hash of every attempt accepted is added to ``present``.  With ``key``
    (``grader.classroom.attempts.scoring_key`` of ``bank``), a file the gradebook
    holds scored with that key is not parsed or scored again (unless
    ``skip_known`` is false), and each attempt scored is stored with it.
    """
    from grader.classroom.attempts import rescore_attempt

    accepted = []
    known = gradebook.scored_with(learner.name) if key is not None and skip_known else {}
    for position, (relative, in_attempts_folder) in enumerate(learner.attempts):
        shown = _shown(relative)
        if position >= MAX_ATTEMPT_FILES:
            learner.note(f"more than {MAX_ATTEMPT_FILES} JSON files; the rest were not read")
            break
        try:
            data = read_regular(learner.folder / relative, MAX_ATTEMPT_BYTES)
        except UnsafeFile as problem:
            learner.note(f"{shown} {problem}")
            continue
        except OSError as problem:
            learner.note(f"{shown}: can not be read ({problem.strerror})")
            continue
        content_hash = hashlib.sha256(data).hexdigest()
        if key is not None and known.get(content_hash) == key:  # stored, scored with this key: the same rows
            if present is not None:
                present.add(content_hash)
            continue
        try:
            parsed = json.loads(data)
        except UnicodeDecodeError:
            parsed, reason = None, "not UTF-8 text"
        except PARSE_ERRORS as problem:
            parsed, reason = None, _parse_reason(problem)
        if not in_attempts_folder and (parsed is None or not _looks_like_attempt(parsed)):
            learner.note(f"{shown}: not an exercise file or quiz attempt; ignored")
            continue
        if parsed is None:
            learner.note(f"{shown}: not a valid quiz attempt ({reason})")
            continue
        try:
            accepted.append(quiz_attempt_rows(rescore_attempt(parsed, bank, left_out), content_hash))
        except PARSE_ERRORS as problem:  # AttemptError included
            reason = str(problem) if isinstance(problem, AttemptError) else _parse_reason(problem)
            learner.note(f"{shown}: not a valid quiz attempt ({reason})")
            # the same file may have been stored by a grader that did not check attempts
            gradebook.forget_quiz_attempt(learner.name, content_hash)
    added = gradebook.record_quiz_attempts(learner.name, accepted, key)  # one look-up of what the learner holds
    if present is not None:
        present.update(rows.content_hash for rows in accepted)
    return added


def _parse_reason(problem: BaseException) -> str:
    if isinstance(problem, RecursionError):
        return "nested too deeply"
    if isinstance(problem, MemoryError):
        return "too large to parse"
    text = str(problem).split(";")[0]
    return text[:120] or type(problem).__name__


# --- the batch ---------------------------------------------------------------------------------


class _Changed(Exception):
    """A learner's file changed (or became unreadable) between planning and grading."""


def _stage(task: Task, root: Path) -> Path:
    """Write the task's exercise files, read, checked and hashed again, into a private folder; that folder.

    Each is written as UTF-8 Python (a notebook as its module of code cells) under
    its own name with ``.py`` (``ex01_x.ipynb`` -> ``ex01_x.py``).
    """
    if task.folder is None:  # a task planned without its learner's folder (tests): no file to copy
        raise _Changed(f"{task.path.name}: was not planned with its files")
    folder = Path(tempfile.mkdtemp(prefix="learner-", dir=root))
    zips: dict[str, bytes] = {}
    try:
        for candidate, expected in task.files:
            shown = _shown(candidate.relative)
            try:
                data = read_candidate(task.folder, candidate, zips)
                if digest(data) != expected:
                    raise _Changed(f"{shown}: changed while the batch ran; run grade batch again to grade it")
                text = gradable_source(data, candidate.kind, candidate.file_name)
            except UnsafeFile as problem:
                raise _Changed(f"{shown} {problem}") from None
            except UploadError as problem:
                raise _Changed(f"{shown}: {problem}") from None
            except OSError as problem:
                raise _Changed(f"{shown}: can not be read ({problem.strerror})") from None
            (folder / candidate.staged_name).write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _staged_file(task: Task, folder: Path) -> Path:
    """The file of ``folder`` (``_stage``) that ``task`` grades."""
    candidate = task.candidate
    if candidate is None:  # a task planned without its files (tests): nothing to grade
        raise _Changed(f"{task.path.name}: was not planned with its files")
    return folder / candidate.staged_name


class _Staging:
    """Each learner's files staged once (``_stage``) for all of their tasks; the folder goes after the last.

    Every task of a learner stages the same files (``Task.files``), so they are
    read, checked against their hashes and written once per learner, not once
    per exercise; what could not be staged is the same problem for each task.
    Only with ``share`` (where Landlock keeps every sandbox process from writing
    the folder, ``SandboxPool.shares_inputs``): elsewhere a submission graded
    first could rewrite the files its learner's next grading reads, so each task
    stages its own, as before.  Thread-safe: a learner's tasks may be graded at once.
    """

    def __init__(self, root: Path, todo: list[Task], *, share: bool) -> None:
        import threading

        self.root = root
        self.share = share
        self._lock = threading.Lock()
        self._left: dict[tuple, int] = {}
        for task in todo:
            key = self._key(task)
            self._left[key] = self._left.get(key, 0) + 1
        self._staged: dict[tuple, tuple[threading.Lock, list[Path | _Changed]]] = {}

    def _key(self, task: Task) -> tuple:
        return (task.learner, task.files) if self.share else (task.learner, task.files, task.exercise)

    @contextlib.contextmanager
    def staged(self, task: Task) -> Iterator[Path]:
        """The file to grade for ``task``, staged with its learner's other files while inside."""
        import threading

        key = self._key(task)
        with self._lock:
            entry = self._staged.setdefault(key, (threading.Lock(), []))
        try:
            with entry[0]:  # the first of the learner's tasks stages; the others wait for it
                if not entry[1]:
                    try:
                        entry[1].append(_stage(task, self.root))
                    except _Changed as problem:
                        entry[1].append(problem)
            outcome = entry[1][0]
            if isinstance(outcome, _Changed):
                raise _Changed(str(outcome))
            yield _staged_file(task, outcome)
        finally:
            with self._lock:
                self._left[key] = self._left.get(key, 1) - 1
                last = self._left[key] <= 0
                if last:
                    self._staged.pop(key, None)
            if last and entry[1] and isinstance(entry[1][0], Path):
                shutil.rmtree(entry[1][0], ignore_errors=True)


def default_jobs() -> int:
    """Submissions graded at once when ``--jobs`` is not given: one more than the cores this process may use.

    A grading spends part of its time waiting (its server's start, pipes,
    the gradebook), so one grading per core leaves cores idle; limits are
    CPU time, so the extra one changes no verdict.  Measured on 2 cores
    (bench/bench_batch.py's 200-learner class, 3 alternating pairs): 3 at
    once graded 4-9% faster than 2, the cores idle 2.5-2.9 s instead of
    3.9-4.4 s; 4 at once was no faster than 3.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity call (macOS)
        cores = os.cpu_count() or 1
    return cores + 1


def run_batch(
    class_dir: Path,
    gradebook: Gradebook,
    *,
    jobs: int,
    exercises: set[int] | None = None,
    force: bool = False,
    timeout: float | None = None,
    progress: Callable[[int, int, Task | None, ExerciseResult | None], None] | None = None,
    quiz_root: Path | None = None,
    roster: Roster | None = None,
    shard: Shard | None = None,
) -> Summary:
    """Grade ``class_dir`` into ``gradebook``.

    Parameters
    ----------
    class_dir : Path
        One folder per learner.
    gradebook : Gradebook
        Where results go; each is committed as soon as it is known.
    jobs : int
        Submissions graded at once.
    exercises : set of int, optional
        Only these exercises (default: every exercise file found).
    force : bool
        Grade again what the gradebook already has for the same content, and
        score every quiz attempt file again.
    timeout : float, optional
        CPU seconds one graded call may use (default: each exercise's own; 3 times that in
        wall time for code that waits).
    progress : callable, optional
        ``progress(done, total, task, result)`` after every grading.
    quiz_root : Path, optional
        The quizzes to score attempts against (default: the course's).
    shard : Shard, optional
        Grade only the learners of this shard (``grader.classroom.shards``); the
        gradebook must be this shard's own (it records ``shard = K/N``).
    roster : Roster, optional
        Who is in the class (``grader.classroom.roster.load_roster``): every
        roster learner gets a row, with "no submission" when no folder has
        their login; folders the roster does not name are listed
        (``Summary.not_in_roster``) and get a problem.

    Each run records what the folders hold now: a file gone (or no longer
    gradable) leaves its exercise without a current grade (the history stays),
    problems are those found now, and only the quiz attempt files present now
    count.  With ``exercises``, only those exercises' grades are touched.

    Raises
    ------
    grader.classroom.gradebook.GradebookError
        When the gradebook can not be written (a full disk, a read-only file);
        everything recorded before is kept.
    """
    started = time.monotonic()
    claim_shard(gradebook, shard)
    learners = discover(class_dir)
    if shard is not None:
        learners = [learner for learner in learners if shard.holds(learner.name)]
        roster = shard.roster(roster)
    summary = Summary(learners=len(learners))
    _record_people(learners, gradebook, summary, roster, exercises)
    tasks = plan(learners, exercises)
    # what the import below changes is no task's: it retires only exercises without a task
    todo = [t for t in tasks if force or not gradebook.is_graded(t.learner, t.exercise, t.content_hash)]
    summary.skipped = len(tasks) - len(todo)
    imports = _LearnerImport(learners, gradebook, summary, quiz_root, exercises, rescore=force)
    if progress is not None:
        progress(0, len(todo), None, None)
    if todo:
        with gradebook.fast_commits():  # a grading lost to a power cut is graded again next run
            try:
                _grade_tasks(todo, gradebook, summary, jobs=jobs, timeout=timeout, progress=progress, imports=imports)
            except GradebookError:
                raise
            except Exception:
                imports.rest()  # grading could not go on (no sandbox, no scratch folder): the rest is recorded
                raise
    else:
        with gradebook.transaction():  # one commit, not one per learner: each waits for the disk
            imports.rest()
    summary.seconds = time.monotonic() - started
    return summary


def _record_people(
    learners: list[Learner], gradebook: Gradebook, summary: Summary, roster: Roster | None, exercises: set[int] | None
) -> None:
    """Every folder a learner row; with a roster, its learners too, and the folders it does not name noted."""
    names = [learner.name for learner in learners]
    rows = None
    if roster is not None:
        rows = [(entry.login, entry.lms_id, entry.full_name, entry.section) for entry in roster.entries]
        listed = {learner_name(entry.login) for entry in roster.entries}
        for learner in learners:
            if learner.name not in listed:
                summary.not_in_roster.append(learner.name)
                learner.note(not_in_roster(learner.name, roster.path.name))
        found = set(names)
        summary.no_folder = [
            learner_name(entry.login) for entry in roster.entries if learner_name(entry.login) not in found
        ]
    gradebook.record_people(names, rows)
    if summary.no_folder:
        held = gradebook.graded_hashes()
        for name in summary.no_folder:
            gone = {number for (learner, number) in held if learner == name}
            if exercises is not None:
                gone &= exercises
            summary.retired += gradebook.sync_learner(name, [], retire=gone, attempts=set())


class _LearnerImport:
    """Every learner's quiz attempts (re-scored), problems and what is gone into the gradebook, the bank loaded once.

    One learner at a time (``step``), so that ``grade batch`` imports while the
    sandbox grades, instead of before (a class of 200 imports 4,400 new attempts
    in about 2 s of the grader's own CPU, half of it loading the bank; a re-run
    scores only attempt files it has not stored with this bank's key); a learner is always imported before a
    grading of theirs is recorded (``through``), since the import replaces the
    learner's problems.  An exercise graded before whose file is gone, or can
    not be graded now (``Learner.digests`` has no hash for it), loses its current grade.
    """

    def __init__(
        self,
        learners: list[Learner],
        gradebook: Gradebook,
        summary: Summary,
        quiz_root: Path | None,
        exercises: set[int] | None = None,
        rescore: bool = False,
    ) -> None:
        self.queue = deque(learners)
        self.rescore = rescore  # score every attempt file, also those stored with this bank's key
        self.done: set[str] = set()
        self.gradebook = gradebook
        self.summary = summary
        self.quiz_root = quiz_root
        self.exercises = exercises
        self.bank: dict[tuple[int, str], Quiz] | None = None
        self.left_out: set[int] = set()
        self.key: str | None = None  # scoring_key of the bank
        # read before any grading of this run is recorded: the gradings of the run before
        self.held: dict[str, set[int]] = {}
        for name, number in gradebook.graded_hashes():
            self.held.setdefault(name, set()).add(number)

    def step(self) -> bool:
        """Import the next learner, in a transaction of its own; whether any is left."""
        if not self.queue:
            return False
        learner = self.queue.popleft()
        with self.gradebook.transaction():
            self._import(learner)
        self.done.add(learner.name)
        return bool(self.queue)

    def through(self, name: str) -> None:
        """Import learners, in order, until ``name`` is imported."""
        while name not in self.done and self.step():
            pass

    def rest(self) -> None:
        """Import every learner not imported yet."""
        while self.step():
            pass

    def _import(self, learner: Learner) -> None:
        gradebook, summary, exercises = self.gradebook, self.summary, self.exercises
        present: set[str] = set()
        if learner.attempts:
            if self.bank is None:
                from grader.classroom.attempts import load_scoring_bank, scoring_key
                from grader.quiz.bank import quiz_number

                self.bank, summary.bank_errors = load_scoring_bank(self.quiz_root)
                self.left_out = {n for n in (quiz_number(error.path) for error in summary.bank_errors) if n is not None}
                self.key = scoring_key(self.bank, self.left_out)
            summary.attempts += import_attempts(
                learner, gradebook, self.bank, self.left_out, present, self.key, skip_known=not self.rescore
            )
        gone = {number for number in self.held.get(learner.name, ()) if number not in learner.digests}
        problems = learner.all_problems()
        if exercises is not None:
            gone &= exercises
            problems += _grading_problems_kept(learner, gradebook, exercises, problems)
        summary.retired += gradebook.sync_learner(learner.name, problems, retire=gone, attempts=present)
        summary.problems += len(problems)


# the problems a grading records (``_record_grading``, ``_Changed``): found again only when the exercise is graded
_GRADING_PROBLEMS = (": could not be graded (", ": changed while the batch ran", ": was not planned with its files")


def _grading_problems_kept(learner: Learner, gradebook: Gradebook, exercises: set[int], found: list[str]) -> list[str]:
    """The problems an earlier grading recorded for exercises this run does not look at (``--exercises``)."""
    outside = [_shown(candidate.relative) for number, candidate in learner.exercises.items() if number not in exercises]
    if not outside:
        return []
    kept = []
    for problem in gradebook.problems_of(learner.name):
        if problem in found or not any(marker in problem for marker in _GRADING_PROBLEMS):
            continue
        if any(problem.startswith(shown + ":") for shown in outside):
            kept.append(problem)
    return kept


def _grade_tasks(
    todo: list[Task],
    gradebook: Gradebook,
    summary: Summary,
    *,
    jobs: int,
    timeout: float | None,
    progress: Callable[[int, int, Task | None, ExerciseResult | None], None] | None,
    imports: _LearnerImport | None = None,
) -> None:
    """Grade ``todo`` on a thread pool over one warm sandbox pool, recording each result as it comes.

    While no grading is finished, ``imports`` imports the learners' quiz
    attempts and problems, one learner at a time; all of them by the end.
    """
    from grader.sandbox.client import SandboxPool

    checks = {number: EXERCISES[number].build_checks() for number in sorted({t.exercise for t in todo})}
    try:
        staging = Path(tempfile.mkdtemp(prefix="grade-batch-"))
    except OSError as problem:
        raise SandboxError(
            f"no scratch folder can be made in {tempfile.gettempdir()} ({problem.strerror}); "
            "free some space there, or point TMPDIR at a writable folder"
        ) from problem
    try:
        # keep_code: in a class many files are the same (the worked solution, an untouched earlier exercise's file):
        # each version is compiled once for the whole batch (``server._CodeFolder``)
        with (
            SandboxPool(share_inputs=True, keep_code=True) as pool,
            ThreadPoolExecutor(max_workers=max(1, jobs)) as executor,
        ):
            stages = _Staging(staging, todo, share=pool.shares_inputs)

            def grade(task: Task) -> ExerciseResult:
                with stages.staged(task) as submission:
                    return grade_exercise(
                        task.exercise,
                        submission,
                        timeout=timeout,
                        jobs=1,
                        pool=pool,
                        checks=checks[task.exercise],
                        judge_early=False,  # judged once the run ends: less work per probe, the same results
                    )

            queue = iter(todo)
            running: dict[Future[ExerciseResult], Task] = {}
            # keep only a few tasks queued, so Ctrl-C stops quickly and nothing is half-recorded
            for task in queue:
                running[executor.submit(grade, task)] = task
                if len(running) >= 2 * jobs:
                    break
            done_count = 0
            importing = imports is not None and bool(imports.queue)
            try:
                while running:
                    finished, _ = wait(running, timeout=0 if importing else None, return_when=FIRST_COMPLETED)
                    if not finished and imports is not None:
                        importing = imports.step()
                        continue
                    for future in finished:
                        task = running.pop(future)
                        if imports is not None:
                            imports.through(task.learner)  # its import replaces the learner's problems
                        result = _record_grading(future, task, gradebook, summary)
                        done_count += 1
                        if progress is not None:
                            progress(done_count, len(todo), task, result)
                        following = next(queue, None)
                        if following is not None:
                            running[executor.submit(grade, following)] = following
                if imports is not None:
                    imports.rest()
            except BaseException:
                # Ctrl-C, or a gradebook that can not be written: stop without grading what is queued
                for future in running:
                    future.cancel()
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _record_grading(
    future: Future[ExerciseResult], task: Task, gradebook: Gradebook, summary: Summary
) -> ExerciseResult | None:
    """One finished grading into the gradebook: its result, or why it could not be graded."""
    try:
        result = future.result()
    except _Changed as problem:
        gradebook.record_problem(task.learner, str(problem))
        # the grade held is of other content than the folder's now: no grade until it is graded
        summary.retired += gradebook.retire_submission(task.learner, task.exercise)
        summary.failed += 1
        return None
    except (GraderError, OSError) as error:
        gradebook.record_problem(task.learner, f"{task.shown}: could not be graded ({error})")
        summary.retired += gradebook.retire_submission(task.learner, task.exercise)
        summary.failed += 1
        return None
    candidate = task.candidate
    gradebook.record_exercise(
        task.learner,
        task.exercise,
        task.shown,
        task.content_hash,
        result,
        submitted_at=None if candidate is None else candidate.submitted_at,
        source="py" if candidate is None else candidate.source,
        blocked_by=result.blocked_by,
    )
    summary.graded += 1
    return result
