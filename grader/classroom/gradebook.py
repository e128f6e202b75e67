r"""The class gradebook: one SQLite file holding every learner's graded submissions and quiz attempts.

Written by ``grade batch``, read by ``grade report``. The file survives re-runs
and crashes:

- WAL journal and ``synchronous=FULL``: a commit is on disk when it returns, so
  a crash or a power loss keeps every submission already recorded; while
  ``grade batch`` grades (``Gradebook.fast_commits``), ``synchronous=NORMAL``:
  a commit survives a crash of the grader (a kill, Ctrl-C), and a power loss
  may undo the last few gradings (never half of one), which the next run
  grades again; the block ends with everything on disk;
- one ``BEGIN IMMEDIATE`` transaction per submission or attempt: a batch
  interrupted in the middle of one leaves no half of it behind;
- a busy timeout: two batches writing the same file at once wait for each
  other's (short) transactions instead of failing.

Schema (version 4)
------------------
``schema_version(version)``
    One row; a file written by a newer grader is refused, an older one migrated.
``learners(id, name, first_seen, lms_id, full_name, section, in_roster, has_folder)``
    One per learner folder name (or roster login). ``lms_id``, ``full_name`` and
    ``section`` come from the roster (``grade batch --roster``); ``in_roster`` is
    1 for a learner the last roster named; ``has_folder`` is 1 when the last
    batch found the learner's folder (a roster learner without one has "no
    submission").
``submissions(id, learner_id, exercise, file_name, content_hash, graded_at,
score, max_score, passed, attempted, elapsed, current, submitted_at, source,
blocked_by)``
    Every grading of an exercise file. The latest for a learner and exercise
    has ``current = 1`` (at most one, by a partial unique index); earlier ones
    stay as history without their check rows. When the file is gone from the
    learner's folder, the batch sets ``current = 0`` and the learner has no
    current grade for the exercise (the history stays). ``submitted_at`` is the
    file's time as given (ISO 8601, UTC: the modification time, a zip entry's
    time), used for deadlines; ``source`` says what was graded (``py``, ``ipynb``,
    or ``zip`` for a file taken from a zip upload); ``blocked_by`` is the number
    of an earlier exercise whose file made this grading fail (it did not import,
    or is the untouched stub), NULL otherwise.
``check_results(submission_id, position, name, name_ja, status, score,
max_score, message_en, message_ja, hint_en, hint_ja, blocked_by, crash)``
    One row per check of a current submission, in the exercise's order.
    ``blocked_by`` (schema 3) is the number of another exercise whose file made
    this check fail (``grader.grading.results.Blocker``), NULL otherwise;
    ``crash`` (schema 3) is the kind of error of a check that failed by an
    exception, a time-out or a crash that no hint of the check explains
    (``ValueError``, ``timeout``; ``CheckResult.crash``), NULL otherwise.
``problems(id, learner_id, problem, recorded_at)``
    Files that could not be graded, unknown files, unreadable attempts.
``quiz_attempts(id, learner_id, quiz, slug, lang, review, started, finished,
started_epoch, score, max_score, content_hash, recorded_at, current, scored_with)``
    One per attempt file, unique per learner and content hash; ``current`` is 0
    once the file is gone from the learner's folder (kept as history, not graded).
    ``scored_with`` (schema 4) names the answer key and grader the attempt was
    re-scored with (``grader.classroom.attempts.scoring_key``): ``grade batch``
    scores a file again only when it differs; NULL for an attempt stored as given.
``quiz_answers(attempt_id, position, question_id, chosen, correct, seconds)``
    One row per question answered; ``chosen`` is JSON: source option indices
    or the number typed.
``settings(key, value)``
    The course settings the gradebook was graded with (``course``: the course
    file's TOML text; ``shard``: ``K/N`` for a shard's gradebook), as text.
``similar_pairs(id, exercise, learner_a, learner_b, similarity, shared,
computed_at)``
    Pairs of submissions found alike by ``grade similarity`` (``shared``: JSON
    list of matched line ranges), replaced on every run.

Nothing a learner wrote is trusted
----------------------------------
Learner names (folder names), file names, problems and everything said about
a check (which quotes the learner's exceptions and printed output) are written
and read back cut to a limit and with every control character but newline and
tab escaped (``grader.text.untrusted``; names lose newline and tab too, and
bytes that are not UTF-8 are written as ``\xff``-style escapes):

==================  ======================================================
``NAME_LIMIT``      1024 characters of a learner's name (a folder name has
                    at most 255 bytes, so it is never cut in practice)
``FILE_NAME_LIMIT`` 300 characters of a file name or path
``PROBLEM_LIMIT``   600 characters of one problem
``MESSAGE_LIMIT``   4000 characters of everything said about one check
``FIELD_LIMIT``     64 characters of an attempt's slug, language and times
``CHOSEN_LIMIT``    1000 characters of one answer's JSON
==================  ======================================================

An attempt's quiz number, scores, times and answers are checked: a quiz number
outside 0-9999, a score outside 0..max_score, more than ``MAX_ATTEMPT_QUESTIONS``
questions or an answer whose JSON is longer than ``CHOSEN_LIMIT`` is an
``AttemptError``, never an SQLite overflow.  ``grade batch`` does not store an
attempt file's own score at all: it re-scores the answers first
(``grader.classroom.attempts.rescore_attempt``).

When the disk is full or the file can not be written, every call raises a
``GradebookError`` that names the file and says what to do; the transaction
that failed is rolled back and everything committed before it is kept.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from grader.errors import GraderError
from grader.quiz.bank import QUESTION_ID
from grader.text import is_plain, untrusted

if TYPE_CHECKING:
    from grader.grading.results import ExerciseResult

SCHEMA_VERSION = 4
BUSY_TIMEOUT_SECONDS = 60.0

NAME_LIMIT = 1024
FILE_NAME_LIMIT = 300
PROBLEM_LIMIT = 600
MESSAGE_LIMIT = 4000
FIELD_LIMIT = 64
CHOSEN_LIMIT = 1000
MAX_QUIZ_NUMBER = 9999
MAX_ATTEMPT_QUESTIONS = 1000
MAX_SECONDS = 1e7  # an answer's time: longer than about 115 days is not a time

# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF) that mean the file can not be used
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 3, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26

_SCHEMA_1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE learners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    first_seen TEXT NOT NULL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners(id),
    exercise INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    passed INTEGER NOT NULL,
    attempted INTEGER NOT NULL,
    elapsed REAL NOT NULL,
    current INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX submissions_current ON submissions(learner_id, exercise) WHERE current = 1;
CREATE TABLE check_results (
    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_ja TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    message_en TEXT NOT NULL,
    message_ja TEXT NOT NULL,
    hint_en TEXT,
    hint_ja TEXT,
    PRIMARY KEY (submission_id, position)
) WITHOUT ROWID;
CREATE TABLE problems (
    id INTEGER PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners(id),
    problem TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (learner_id, problem)
);
CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY,
    learner_id INTEGER NOT NULL REFERENCES learners(id),
    quiz INTEGER NOT NULL,
    slug TEXT NOT NULL,
    lang TEXT NOT NULL,
    review INTEGER NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    started_epoch REAL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    content_hash TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (learner_id, content_hash)
);
CREATE TABLE quiz_answers (
    attempt_id INTEGER NOT NULL REFERENCES quiz_attempts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    chosen TEXT NOT NULL,
    correct INTEGER NOT NULL,
    seconds REAL,
    PRIMARY KEY (attempt_id, position)
) WITHOUT ROWID;
"""

_SCHEMA_2 = """
ALTER TABLE learners ADD COLUMN lms_id TEXT;
ALTER TABLE learners ADD COLUMN full_name TEXT;
ALTER TABLE learners ADD COLUMN section TEXT;
ALTER TABLE learners ADD COLUMN in_roster INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learners ADD COLUMN has_folder INTEGER NOT NULL DEFAULT 1;
ALTER TABLE submissions ADD COLUMN submitted_at TEXT;
ALTER TABLE submissions ADD COLUMN source TEXT NOT NULL DEFAULT 'py';
ALTER TABLE submissions ADD COLUMN blocked_by INTEGER;
ALTER TABLE quiz_attempts ADD COLUMN current INTEGER NOT NULL DEFAULT 1;
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE similar_pairs (
    id INTEGER PRIMARY KEY,
    exercise INTEGER NOT NULL,
    learner_a INTEGER NOT NULL REFERENCES learners(id),
    learner_b INTEGER NOT NULL REFERENCES learners(id),
    similarity REAL NOT NULL,
    shared TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
CREATE INDEX submissions_history ON submissions(learner_id, exercise, graded_at);
"""

# per check: the exercise whose file made it fail, and the kind of an error no hint explains
_SCHEMA_3 = """
ALTER TABLE check_results ADD COLUMN blocked_by INTEGER;
ALTER TABLE check_results ADD COLUMN crash TEXT;
"""

# version -> statements that bring a gradebook of version - 1 up to it (a new file: schema 1, then these)
# per quiz attempt: the answer key it was re-scored with (a re-run re-scores only what a new key would change)
_SCHEMA_4 = """
ALTER TABLE quiz_attempts ADD COLUMN scored_with TEXT;
"""

_MIGRATIONS: dict[int, str] = {2: _SCHEMA_2, 3: _SCHEMA_3, 4: _SCHEMA_4}


class GradebookError(GraderError):
    """The gradebook file can not be used (not SQLite, written by a newer grader, ...)."""


class AttemptError(GradebookError, ValueError):
    """A quiz attempt file that does not hold an attempt (a ValueError, like ``json.JSONDecodeError``)."""


@dataclass(frozen=True)
class CheckRow:
    """One stored check result, in both languages."""

    name: str
    name_ja: str
    status: str
    score: float
    max_score: float
    message_en: str
    message_ja: str
    hint_en: str | None
    hint_ja: str | None
    blocked_by: int | None = None  # another exercise whose file made this check fail
    crash: str | None = None  # the kind of error of a failure no hint of the check explains

    def title(self, lang: str) -> str:
        """The check's name in ``lang``."""
        return self.name_ja if lang == "ja" and self.name_ja else self.name

    def message(self, lang: str) -> str:
        """Everything the feedback said about the check, in ``lang``."""
        return self.message_ja if lang == "ja" else self.message_en

    def hint(self, lang: str) -> str | None:
        """The hint of a failed check in ``lang``, if it had one."""
        return self.hint_ja if lang == "ja" else self.hint_en


@dataclass(frozen=True)
class SubmissionRow:
    """The current graded submission of one learner for one exercise."""

    learner: str
    exercise: int
    file_name: str
    content_hash: str
    graded_at: str
    score: float
    max_score: float
    passed: bool
    attempted: bool
    checks: tuple[CheckRow, ...]
    submitted_at: str | None = None
    source: str = "py"
    blocked_by: int | None = None


@dataclass(frozen=True)
class HistoryRow:
    """One grading of a learner's exercise file, current or earlier (no check rows)."""

    learner: str
    exercise: int
    graded_at: str
    submitted_at: str | None
    score: float
    max_score: float
    passed: bool
    current: bool


@dataclass(frozen=True)
class Person:
    """What the gradebook knows of a learner besides grades: the roster's columns and the folder."""

    name: str
    lms_id: str | None = None
    full_name: str | None = None
    section: str | None = None
    in_roster: bool = False
    has_folder: bool = True


@dataclass(frozen=True)
class SimilarPair:
    """Two learners' files of one exercise found alike by ``grade similarity``."""

    exercise: int
    learner_a: str
    learner_b: str
    similarity: float
    shared: Any  # the JSON stored: matched line ranges


@dataclass(frozen=True)
class AnswerRow:
    """One question of a stored quiz attempt."""

    question_id: str
    chosen: Any
    correct: bool
    seconds: float | None


@dataclass(frozen=True)
class AttemptRow:
    """One stored quiz attempt."""

    learner: str
    quiz: int
    slug: str
    lang: str
    review: bool
    started: str
    finished: str
    score: float
    max_score: float
    answers: tuple[AnswerRow, ...]


@dataclass(frozen=True)
class ClassRecord:
    """Everything in a gradebook, read in one transaction (a consistent snapshot)."""

    learners: tuple[str, ...]
    submissions: tuple[SubmissionRow, ...]
    attempts: tuple[AttemptRow, ...]  # current attempts only: the files the learners' folders hold now
    problems: dict[str, tuple[str, ...]]
    people: dict[str, Person] = field(default_factory=dict)
    history: tuple[HistoryRow, ...] = ()  # every grading, oldest first per learner and exercise
    settings: dict[str, str] = field(default_factory=dict)
    similar: tuple[SimilarPair, ...] = ()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def stored_moment(stamp: object) -> datetime | None:
    """The instant of a stored ISO 8601 time (no timezone means UTC); None when it is not one."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _epoch(stamp: object) -> float | None:
    """Seconds since 1970 for an ISO 8601 time (naive means UTC); None when it is not one."""
    moment = stored_moment(stamp)
    return None if moment is None else moment.timestamp()


@overload
def _number(value: object, default: float = 0.0) -> float: ...
@overload
def _number(value: object, default: None) -> float | None: ...
def _number(value: object, default: float | None = 0.0) -> float | None:
    """``value`` as a float when it is a finite number, else ``default`` (10**400 included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    try:
        number = float(value)
    except OverflowError:
        return default
    return number if math.isfinite(number) else default


def stored_text(value: object, limit: int) -> str:
    r"""Text as the gradebook stores and shows it: at most ``limit`` characters, control characters escaped.

    Lone surrogates (the bytes of a file name that are not UTF-8) can not be
    stored as UTF-8; they are written as ``\udcff``-style escapes.  See
    ``grader.text.untrusted`` for the rest.  The text is escaped before it is
    cut, so the result is at most ``limit`` characters plus the short note that
    says how much was cut.
    """
    text = value if isinstance(value, str) else str(value)
    if is_plain(text, limit):  # most text: nothing to cut, escape or re-encode
        return text
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    # escaped first, then cut: what is stored is at most `limit` characters and the note of the cut
    return untrusted(untrusted(text, len(text)), limit)


def learner_name(value: object) -> str:
    """A learner's name as stored: ``stored_text`` on one line, cut to ``NAME_LIMIT`` without a note.

    Applying it twice changes nothing, so a name cleaned by ``grade batch`` finds
    its learner again.
    """
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return untrusted(text, len(text))[:NAME_LIMIT]


class Gradebook:
    """A class gradebook in one SQLite file.

    Parameters
    ----------
    path : Path
        The file; created with the current schema when missing, migrated when older.
    timeout : float
        Seconds a write waits for another process's transaction before failing.

    Use as a context manager, or call ``close``. One object may be shared by
    threads: its calls are serialised.
    """

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._lock = threading.RLock()
        self._outer = False  # inside transaction(): writes are savepoints of one transaction
        if self.path.is_dir():
            raise GradebookError(f"{self.path} is a folder; name a file, e.g. --db {self.path / 'gradebook.sqlite'}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as problem:
            raise GradebookError(
                f"the folder of the gradebook {self.path} can not be made ({problem.strerror}: {problem.filename}); "
                "name a gradebook in a folder you can write, with --db"
            ) from problem
        try:
            # isolation_level=None: transactions are begun explicitly, IMMEDIATE for writes
            self._connection = sqlite3.connect(
                str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as problem:
            raise self._storage_error(problem) or GradebookError(
                f"{self.path} can not be opened as a gradebook ({problem}); name another file with --db"
            ) from problem
        try:
            self._connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._set_wal(timeout)
            self._connection.execute("PRAGMA synchronous = FULL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.OperationalError as problem:
            self._connection.close()
            storage = self._storage_error(problem)
            if storage is not None:
                raise storage from problem
            if "locked" not in str(problem):
                raise GradebookError(f"{self.path} can not be opened as a gradebook ({problem})") from None
            raise GradebookError(
                f"{self.path} stayed locked by another process for {timeout:g} s; "
                "wait for the other grade batch to finish, or name another file with --db"
            ) from None
        except sqlite3.DatabaseError as problem:
            self._connection.close()
            storage = self._storage_error(problem)
            if storage is not None and problem.sqlite_errorcode & 0xFF not in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
                raise storage from problem
            raise GradebookError(
                f"{self.path} is not a usable gradebook ({problem}); "
                "name another file with --db, or move this one away to start a new gradebook"
            ) from None
        except GradebookError:
            self._connection.close()
            raise

    def _storage_error(self, problem: sqlite3.Error) -> GradebookError | None:
        """A ``GradebookError`` that says what to do when ``problem`` means the file can not be used, else None.

        A full disk, a file or folder that can not be written and an I/O error
        are storage problems; an interrupted statement or a constraint is not.
        """
        code = getattr(problem, "sqlite_errorcode", 0) & 0xFF
        kept = "everything recorded before is kept; run the same command again to resume"
        if code == _SQLITE_IOERR and self._disk_is_full():
            # growing the -shm or -wal file on a full disk is an I/O error to SQLite
            code = _SQLITE_FULL
        if code == _SQLITE_FULL:
            return GradebookError(
                f"the disk holding the gradebook {self.path} is full (SQLite: {problem}); free some space, "
                f"or name a gradebook on another disk with --db; {kept}"
            )
        if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_PERM):
            return GradebookError(
                f"the gradebook {self.path} can not be written (SQLite: {problem}); make the file and its folder "
                f"writable (SQLite also writes {self.path.name}-wal and {self.path.name}-shm next to it), "
                f"or name another file with --db; {kept}"
            )
        if code == _SQLITE_IOERR:
            return GradebookError(
                f"the disk reported an input/output error on the gradebook {self.path} (SQLite: {problem}); "
                f"check the disk (is it full, or gone?), or name a gradebook on another disk with --db; {kept}"
            )
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return GradebookError(
                f"{self.path} is not a usable gradebook ({problem}); "
                "name another file with --db, or move this one away to start a new gradebook"
            )
        return None

    def _disk_is_full(self) -> bool:
        """Whether the file system of the gradebook has less than 256 KiB left for this user."""
        try:
            found = os.statvfs(self.path.parent)
        except (OSError, AttributeError):  # no statvfs on Windows
            return False
        return found.f_bavail * found.f_frsize < (256 << 10)

    def _set_wal(self, timeout: float) -> None:
        # Switching to WAL needs a moment alone with the file; another process creating
        # the same gradebook right now makes it busy, and this pragma does not wait by itself.
        deadline = time.monotonic() + timeout
        while True:
            try:
                mode = self._connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as problem:
                if "locked" not in str(problem) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            raise GradebookError(
                f"{self.path} can not use SQLite's WAL journal (journal_mode is {mode}); "
                "put the gradebook on a local disk (WAL does not work on network file systems)"
            )

    def _migrate(self) -> None:
        with self._write() as db:
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
            if not exists:
                if db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
                    raise GradebookError(
                        f"{self.path} is an SQLite file but not a gradebook (it has no schema_version table); "
                        "name another file with --db"
                    )
                db.executescript_in_transaction(_SCHEMA_1)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (1,))
                version = 1  # then every migration: one path to the current schema, new file or old
            else:
                version = db.execute("SELECT version FROM schema_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise GradebookError(
                    f"{self.path} was written by a newer grader (gradebook schema {version}, this grader "
                    f"knows up to {SCHEMA_VERSION}); upgrade: pip install -U dlgrade"
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                db.executescript_in_transaction(_MIGRATIONS[step])
                db.execute("UPDATE schema_version SET version = ?", (step,))

    # --- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (everything recorded is already committed)."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[_Transaction]:
        """One write transaction: taken at BEGIN (so it waits for other writers), all or nothing.

        A full disk, an unwritable file or an I/O error rolls it back and raises a
        ``GradebookError`` that says what to do (see ``_storage_error``).
        """
        with self._lock:
            if self._outer:
                with self._savepoint():
                    yield _Transaction(self._connection)
                return
            self._rollback()  # a rollback that failed earlier left the transaction open
            try:
                self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as problem:
                storage = self._storage_error(problem)
                if storage is not None:
                    raise storage from problem
                if "locked" not in str(problem):
                    raise
                raise GradebookError(
                    f"{self.path} stayed locked by another process for {self._timeout:g} s; "
                    "wait for the other grade batch to finish, or name another file with --db"
                ) from None
            try:
                yield _Transaction(self._connection)
                self._connection.execute("COMMIT")
            except sqlite3.Error as problem:
                # SQLite may have rolled back already after an I/O error
                self._rollback()
                storage = self._storage_error(problem)
                if storage is not None:
                    raise storage from problem
                raise
            except BaseException:
                # Ctrl-C included
                self._rollback()
                raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The writes made inside as one transaction: one commit (one sync to disk) for all of them.

        ``grade batch`` imports a learner's quiz attempts and problems this way:
        thousands of small commits, each waiting for the disk, cost more than
        grading.  Each write inside stays all or nothing on its own (a
        savepoint), and nothing inside is on disk before the block ends; an
        exception that leaves the block rolls all of it back.  The calling
        thread holds the gradebook meanwhile; nested blocks are part of the
        outer one.
        """
        with self._lock:
            if self._outer:
                yield
                return
            with self._write():
                self._outer = True
                try:
                    yield
                finally:
                    self._outer = False

    @contextmanager
    def fast_commits(self) -> Iterator[None]:
        """Commits inside wait for no disk sync (``synchronous=NORMAL``); all is synced at the end.

        In WAL mode a commit then survives a crash of this process (it is in the
        operating system's hands) but not a power loss: the last commits may be
        undone, whole.  ``grade batch`` grades this way: a grading lost so is
        graded again by the next run, and each sync to disk costs a grading's
        wait.  When the block ends, a checkpoint syncs everything committed.
        """
        with self._lock:
            self._pragma("PRAGMA synchronous = NORMAL")
        try:
            yield
        except BaseException:
            try:
                self._full_sync()
            except (GradebookError, sqlite3.Error):
                pass  # the error that ended the block is the one to report
            raise
        self._full_sync()

    def _full_sync(self) -> None:
        with self._lock:
            self._pragma("PRAGMA synchronous = FULL")
            # a checkpoint syncs the WAL first: every commit of the block is on disk now
            self._pragma("PRAGMA wal_checkpoint(PASSIVE)")

    def _pragma(self, sql: str) -> None:
        try:
            self._connection.execute(sql).fetchall()
        except sqlite3.Error as problem:
            storage = self._storage_error(problem)
            if storage is not None:
                raise storage from problem
            raise GradebookError(f"{self.path}: {sql} failed ({problem})") from None

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """One write inside ``transaction``: undone alone when it fails."""
        self._connection.execute("SAVEPOINT write")
        try:
            yield
        except BaseException:
            self._connection.execute("ROLLBACK TO write")
            self._connection.execute("RELEASE write")
            raise
        self._connection.execute("RELEASE write")

    def _rollback(self) -> None:
        if self._connection.in_transaction:
            try:
                self._connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error that led here is the one to report; the next write retries

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same snapshot."""
        with self._lock:
            self._rollback()
            try:
                self._connection.execute("BEGIN")
                try:
                    yield self._connection
                finally:
                    self._connection.execute("COMMIT")
            except sqlite3.Error as problem:
                self._rollback()
                storage = self._storage_error(problem)
                if storage is not None:
                    raise storage from problem
                raise

    @staticmethod
    def _learner_id(db: _Transaction, learner: str) -> int:
        if not isinstance(learner, str) or not learner:
            raise GradebookError(f"a learner is named by a non-empty string; got {learner!r}")
        name = learner_name(learner)
        db.execute("INSERT OR IGNORE INTO learners (name, first_seen) VALUES (?, ?)", (name, _now()))
        return db.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()[0]

    def _query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """The rows of one read outside a transaction, with storage errors said plainly."""
        with self._lock:
            try:
                return self._connection.execute(sql, parameters).fetchall()
            except sqlite3.Error as problem:
                storage = self._storage_error(problem)
                if storage is not None:
                    raise storage from problem
                raise

    # --- writing --------------------------------------------------------------------

    def is_graded(self, learner: str, exercise: int, content_hash: str) -> bool:
        """Whether the learner's current submission of ``exercise`` has ``content_hash``."""
        found = self._query(
            "SELECT 1 FROM submissions JOIN learners ON learners.id = submissions.learner_id "
            "WHERE learners.name = ? AND exercise = ? AND current = 1 AND content_hash = ?",
            (learner_name(learner), exercise, content_hash),
        )
        return bool(found)

    def graded_hashes(self) -> dict[tuple[str, int], str]:
        """``(learner, exercise) -> content hash`` of every current submission, in one query."""
        rows = self._query(
            "SELECT learners.name, exercise, content_hash FROM submissions "
            "JOIN learners ON learners.id = submissions.learner_id WHERE current = 1"
        )
        return {(name, exercise): content_hash for name, exercise, content_hash in rows}

    def record_exercise(
        self,
        learner: str,
        exercise: int,
        file_name: str,
        content_hash: str,
        result: ExerciseResult,
        *,
        submitted_at: str | None = None,
        source: str = "py",
        blocked_by: int | None = None,
    ) -> None:
        """Store one graded submission; it replaces the learner's previous one for ``exercise``.

        The earlier submission stays in ``submissions`` as history (``current = 0``)
        without its check rows. Committed before returning. The file name and the
        messages (which quote the learner's exceptions and output) are cut and
        escaped (``FILE_NAME_LIMIT``, ``MESSAGE_LIMIT``).
        """

        def text(value: str | None) -> str | None:
            return None if value is None else stored_text(value, MESSAGE_LIMIT)

        # the feedback text is built before the write lock is taken, to keep transactions short
        checks = [
            (
                position,
                text(check.name),
                text(check.name_ja or ""),
                text(check.status),
                float(check.score),
                float(check.max_score),
                text(check.message("en")),
                text(check.message("ja")),
                text(check.hint.en if check.hint is not None else None),
                text(check.hint.ja if check.hint is not None else None),
                None if check.blocked_by is None else int(check.blocked_by),
                stored_text(check.crash, FIELD_LIMIT) if check.crash else None,
            )
            for position, check in enumerate(result.results)
        ]
        submission = (
            int(exercise),
            stored_text(file_name, FILE_NAME_LIMIT),
            stored_text(content_hash, FIELD_LIMIT + 64),
            _now(),
            float(result.score),
            float(result.max_score),
            int(result.passed),
            int(result.attempted),
            float(result.elapsed),
            None if submitted_at is None else stored_text(submitted_at, FIELD_LIMIT),
            stored_text(source, FIELD_LIMIT),
            None if blocked_by is None else int(blocked_by),
        )
        with self._write() as db:
            learner_id = self._learner_id(db, learner)
            previous = db.execute(
                "SELECT id FROM submissions WHERE learner_id = ? AND exercise = ? AND current = 1",
                (learner_id, exercise),
            ).fetchone()
            if previous is not None:
                db.execute("DELETE FROM check_results WHERE submission_id = ?", previous)
                db.execute("UPDATE submissions SET current = 0 WHERE id = ?", previous)
            cursor = db.execute(
                "INSERT INTO submissions (learner_id, exercise, file_name, content_hash, graded_at, "
                "score, max_score, passed, attempted, elapsed, submitted_at, source, blocked_by, current) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (learner_id, *submission),
            )
            submission_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO check_results (submission_id, position, name, name_ja, status, score, max_score, "
                "message_en, message_ja, hint_en, hint_ja, blocked_by, crash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(submission_id, *check) for check in checks],
            )

    def record_problem(self, learner: str, problem: str) -> None:
        """Note a problem with a learner's folder (shown in the report); the same text is kept once.

        The text is cut to ``PROBLEM_LIMIT`` characters and its control characters escaped.
        """
        with self._write() as db:
            learner_id = self._learner_id(db, learner)
            db.execute(
                "INSERT OR IGNORE INTO problems (learner_id, problem, recorded_at) VALUES (?, ?, ?)",
                (learner_id, stored_text(problem, PROBLEM_LIMIT), _now()),
            )

    def replace_problems(self, learner: str, problems: list[str]) -> None:
        """Make ``problems`` the learner's recorded problems, in one transaction.

        ``grade batch`` calls it with what it found in the learner's folder this
        time, so a problem the learner has fixed since the last run goes away.
        """
        self.sync_learner(learner, problems)

    def record_people(
        self, found: list[str], roster: list[tuple[str, str | None, str | None, str | None]] | None
    ) -> None:
        """Record who is in the class, in one transaction: every folder found, and the roster's learners.

        Every learner in ``found`` (the folder names ``grade batch`` found) gets a
        row with ``has_folder = 1``, also one with nothing gradable.  With a
        ``roster`` (``(login, lms_id, full_name, section)`` rows), each of its
        learners gets a row with those columns and ``in_roster = 1``
        (``has_folder = 0`` when no folder of that name was found), and every
        other learner ``in_roster = 0``.  Without one, the roster columns are
        left as the last roster set them.
        """
        names = list(dict.fromkeys(learner_name(name) for name in found))
        now = _now()
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO learners (name, first_seen) VALUES (?, ?)", [(n, now) for n in names])
            db.executemany("UPDATE learners SET has_folder = 1 WHERE name = ?", [(name,) for name in names])
            if roster is None:
                return
            present = set(names)
            rows = []
            for login, lms_id, full_name, section in roster:
                name = learner_name(login)
                rows.append(
                    (
                        None if lms_id is None else stored_text(lms_id, NAME_LIMIT),
                        None if full_name is None else stored_text(full_name, NAME_LIMIT),
                        None if section is None else stored_text(section, NAME_LIMIT),
                        int(name in present),
                        name,
                    )
                )
            db.executemany(
                "INSERT OR IGNORE INTO learners (name, first_seen) VALUES (?, ?)", [(r[-1], now) for r in rows]
            )
            db.execute("UPDATE learners SET in_roster = 0")
            db.executemany(
                "UPDATE learners SET lms_id = ?, full_name = ?, section = ?, in_roster = 1, has_folder = ? "
                "WHERE name = ?",
                rows,
            )

    def sync_learner(
        self, learner: str, problems: list[str], *, retire: Iterable[int] = (), attempts: set[str] | None = None
    ) -> int:
        """Make the gradebook say what the learner's folder holds now, in one transaction.

        ``problems`` replace the learner's recorded problems (see
        ``replace_problems``); the current submissions of the exercises in
        ``retire`` (files gone, or not gradable now) become history
        (``current = 0``, no grade now); with ``attempts``, exactly the attempts
        with those content hashes are current (a removed attempt file is no
        longer counted, one put back counts again).  Returns the number of
        submissions retired.
        """
        rows = [stored_text(problem, PROBLEM_LIMIT) for problem in problems]
        with self._write() as db:
            learner_id = self._learner_id(db, learner)
            db.execute("DELETE FROM problems WHERE learner_id = ?", (learner_id,))
            recorded = _now()
            db.executemany(
                "INSERT OR IGNORE INTO problems (learner_id, problem, recorded_at) VALUES (?, ?, ?)",
                [(learner_id, problem, recorded) for problem in rows],
            )
            retired = 0
            for exercise in sorted(retire):
                found = db.execute(
                    "SELECT id FROM submissions WHERE learner_id = ? AND exercise = ? AND current = 1",
                    (learner_id, int(exercise)),
                ).fetchone()
                if found is not None:
                    db.execute("DELETE FROM check_results WHERE submission_id = ?", found)
                    db.execute("UPDATE submissions SET current = 0 WHERE id = ?", found)
                    retired += 1
            if attempts is not None:
                held = [(learner_id, content_hash) for content_hash in sorted(attempts)]
                db.execute("UPDATE quiz_attempts SET current = 0 WHERE learner_id = ?", (learner_id,))
                db.executemany("UPDATE quiz_attempts SET current = 1 WHERE learner_id = ? AND content_hash = ?", held)
        return retired

    def retire_submission(self, learner: str, exercise: int) -> bool:
        """Make the learner's current submission of ``exercise`` history (no grade now); True when there was one."""
        with self._write() as db:
            learner_id = self._learner_id(db, learner)
            found = db.execute(
                "SELECT id FROM submissions WHERE learner_id = ? AND exercise = ? AND current = 1",
                (learner_id, int(exercise)),
            ).fetchone()
            if found is None:
                return False
            db.execute("DELETE FROM check_results WHERE submission_id = ?", found)
            db.execute("UPDATE submissions SET current = 0 WHERE id = ?", found)
        return True

    def record_setting(self, key: str, value: str) -> None:
        """Set one of the settings the gradebook was graded with (see the ``settings`` table)."""
        self.set_settings({key: value})

    def setting(self, key: str) -> str | None:
        """One setting the gradebook was graded with; None when it has none."""
        found = self._query("SELECT value FROM settings WHERE key = ?", (str(key),))
        return found[0][0] if found else None

    def clear_problems(self, learner: str) -> None:
        """Forget the learner's recorded problems (before a re-run records the current ones)."""
        with self._write() as db:
            db.execute(
                "DELETE FROM problems WHERE learner_id = (SELECT id FROM learners WHERE name = ?)",
                (learner_name(learner),),
            )

    def record_quiz_attempt(self, learner: str, attempt: dict, content_hash: str) -> bool:
        """Store one quiz attempt (the JSON of an attempt file, see ``grader.quiz.attempts``).

        The attempt is stored as given: ``grade batch`` re-scores an attempt file
        against the answer key first (``grader.classroom.attempts.rescore_attempt``).  When
        the learner already has an attempt with ``content_hash`` whose scores or
        answers differ (a gradebook filled before attempts were re-scored, or an
        answer key fixed since), that attempt is updated.

        Returns
        -------
        bool
            False when the learner already has this attempt with ``content_hash``
            (nothing is written), True when it was added or updated.

        Raises
        ------
        AttemptError
            When ``attempt`` is not an attempt: no quiz number (or one outside
            0-9999), no list of questions, a question without an id, a score
            outside 0..max_score, an answer longer than ``CHOSEN_LIMIT``.
            Also a ``ValueError``.
        """
        return self.record_quiz_attempts(learner, [quiz_attempt_rows(attempt, content_hash)]) > 0

    def record_quiz_attempts(self, learner: str, attempts: list[AttemptRows], scored_with: str | None = None) -> int:
        """Store a learner's attempts (``quiz_attempt_rows`` of each), in one transaction; how many were written.

        As ``record_quiz_attempt`` for each, with one look-up of what the learner
        holds instead of one per attempt (``grade batch`` stores a learner's files
        together).  An attempt whose content hash comes twice is stored once.
        ``scored_with`` (``grader.classroom.attempts.scoring_key``) is stored with
        each, also with one held already with the same marks.
        """
        if not attempts:
            return 0
        written = 0
        with self._write() as db:
            learner_id = self._learner_id(db, learner)
            # content hash -> (id, score, max_score, scored_with) of what the learner holds
            held: dict[str, tuple[int, float, float, str | None]] = {
                row[1]: (row[0], *row[2:])
                for row in db.execute(
                    "SELECT id, content_hash, score, max_score, scored_with FROM quiz_attempts WHERE learner_id = ?",
                    (learner_id,),
                )
            }
            stored_answers: dict[int, list[tuple]] = {}
            if any(rows.content_hash in held for rows in attempts):
                for attempt_id, *answer in db.execute(
                    "SELECT attempt_id, position, question_id, chosen, correct, seconds FROM quiz_answers "
                    "WHERE attempt_id IN (SELECT id FROM quiz_attempts WHERE learner_id = ?) "
                    "ORDER BY attempt_id, position",
                    (learner_id,),
                ):
                    stored_answers.setdefault(attempt_id, []).append(tuple(answer))
            recorded_at = _now()
            new_answers: list[tuple] = []
            for rows in attempts:
                found = held.get(rows.content_hash)
                if found is not None:
                    attempt_id, score, max_score, key = found
                    if (score, max_score) == rows.scores and stored_answers.get(attempt_id, []) == rows.answers:
                        if key != scored_with:  # the same marks under another key: noted
                            db.execute(
                                "UPDATE quiz_attempts SET scored_with = ? WHERE id = ?", (scored_with, attempt_id)
                            )
                            held[rows.content_hash] = (attempt_id, score, max_score, scored_with)
                        continue
                    # re-scored since it was stored: the same file, new marks
                    db.execute("DELETE FROM quiz_answers WHERE attempt_id = ?", (attempt_id,))
                    db.execute("DELETE FROM quiz_attempts WHERE id = ?", (attempt_id,))
                cursor = db.execute(
                    "INSERT INTO quiz_attempts (learner_id, quiz, slug, lang, review, started, finished, "
                    "started_epoch, score, max_score, content_hash, recorded_at, scored_with) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (learner_id, *rows.attempt, recorded_at, scored_with),
                )
                attempt_id = cursor.lastrowid
                assert attempt_id is not None  # an INSERT sets it
                held[rows.content_hash] = (attempt_id, *rows.scores, scored_with)
                stored_answers[attempt_id] = rows.answers
                new_answers += [(attempt_id, *answer) for answer in rows.answers]
                written += 1
            db.executemany(
                "INSERT INTO quiz_answers (attempt_id, position, question_id, chosen, correct, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                new_answers,
            )
        return written

    def set_settings(self, values: dict[str, str]) -> None:
        """Store course settings (``settings`` table) in one transaction, replacing the values held for their keys."""
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                [(str(key), str(value)) for key, value in values.items()],
            )

    def scored_with(self, learner: str) -> dict[str, str]:
        """``content hash -> scoring key`` of the learner's attempts stored with one (``record_quiz_attempts``)."""
        return dict(
            self._query(
                "SELECT content_hash, scored_with FROM quiz_attempts JOIN learners ON learners.id = learner_id "
                "WHERE learners.name = ? AND scored_with IS NOT NULL",
                (learner_name(learner),),
            )
        )

    def forget_quiz_attempt(self, learner: str, content_hash: str) -> bool:
        """Delete the learner's attempt with ``content_hash``; True when there was one.

        ``grade batch`` calls it for an attempt file it now refuses, so an attempt
        stored before attempts were checked does not keep counting.
        """
        with self._write() as db:
            found = db.execute(
                "SELECT quiz_attempts.id FROM quiz_attempts JOIN learners ON learners.id = learner_id "
                "WHERE learners.name = ? AND content_hash = ?",
                (learner_name(learner), str(content_hash)),
            ).fetchone()
            if found is None:
                return False
            db.execute("DELETE FROM quiz_answers WHERE attempt_id = ?", found)
            db.execute("DELETE FROM quiz_attempts WHERE id = ?", found)
        return True

    def replace_similar_pairs(
        self,
        pairs: list[tuple[int, str, str, float, object]],
        *,
        exercises: list[int] | None,
        settings: str,
    ) -> int:
        """Make ``pairs`` the similar pairs of ``exercises`` (None: of every exercise), in one transaction.

        Each pair is ``(exercise, learner_a, learner_b, similarity, shared)``;
        ``shared`` is stored as JSON.  A pair naming a learner the gradebook does
        not know (``grade batch`` has not seen the folder) is not stored; the
        number stored is returned.  ``settings`` (JSON: when, threshold) is kept
        under the ``similarity`` setting.
        """
        with self._write() as db:
            if exercises is None:
                db.execute("DELETE FROM similar_pairs")
            else:
                db.executemany("DELETE FROM similar_pairs WHERE exercise = ?", [(number,) for number in exercises])
            known = dict(db.execute("SELECT name, id FROM learners").fetchall())
            computed = _now()
            rows = [
                (
                    exercise,
                    known[learner_name(a)],
                    known[learner_name(b)],
                    float(similarity),
                    json.dumps(shared),
                    computed,
                )
                for exercise, a, b, similarity, shared in pairs
                if learner_name(a) in known and learner_name(b) in known
            ]
            db.executemany(
                "INSERT INTO similar_pairs (exercise, learner_a, learner_b, similarity, shared, computed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('similarity', ?)", (settings,))
        return len(rows)

    # --- reading --------------------------------------------------------------------

    def learners(self) -> list[str]:
        """Every learner the gradebook knows, sorted by name."""
        return [name for (name,) in self._query("SELECT name FROM learners ORDER BY name")]

    def problems_of(self, learner: str) -> list[str]:
        """The learner's recorded problems, in the order recorded."""
        return [
            _shown(problem, PROBLEM_LIMIT)
            for (problem,) in self._query(
                "SELECT problem FROM problems JOIN learners ON learners.id = learner_id "
                "WHERE learners.name = ? ORDER BY problems.id",
                (learner_name(learner),),
            )
        ]

    def schema_version(self) -> int:
        """The schema version of the file."""
        return self._query("SELECT version FROM schema_version")[0][0]

    def load(self) -> ClassRecord:
        """Everything, read in one transaction so a batch writing meanwhile can not tear it.

        Text comes back cut and escaped as ``stored_text`` writes it, also from a
        gradebook written by an earlier grader that stored it as it came.
        """
        with self._read() as db:
            learners = tuple(
                dict.fromkeys(learner_name(name) for (name,) in db.execute("SELECT name FROM learners ORDER BY name"))
            )
            checks: dict[int, list[CheckRow]] = {}
            for row in db.execute(
                "SELECT submission_id, name, name_ja, status, score, max_score, message_en, message_ja, "
                "hint_en, hint_ja, blocked_by, crash FROM check_results ORDER BY submission_id, position"
            ):
                checks.setdefault(row[0], []).append(
                    CheckRow(
                        _shown(row[1], MESSAGE_LIMIT),
                        _shown(row[2], MESSAGE_LIMIT),
                        _shown(row[3], FIELD_LIMIT),
                        row[4],
                        row[5],
                        _shown(row[6], MESSAGE_LIMIT),
                        _shown(row[7], MESSAGE_LIMIT),
                        None if row[8] is None else _shown(row[8], MESSAGE_LIMIT),
                        None if row[9] is None else _shown(row[9], MESSAGE_LIMIT),
                        row[10] if isinstance(row[10], int) else None,
                        None if row[11] is None else _shown(row[11], FIELD_LIMIT),
                    )
                )
            submissions = tuple(
                SubmissionRow(
                    learner=learner_name(row[1]),
                    exercise=row[2],
                    file_name=_shown(row[3], FILE_NAME_LIMIT),
                    content_hash=row[4],
                    graded_at=row[5],
                    score=row[6],
                    max_score=row[7],
                    passed=bool(row[8]),
                    attempted=bool(row[9]),
                    checks=tuple(checks.get(row[0], ())),
                    submitted_at=None if row[10] is None else _shown(row[10], FIELD_LIMIT),
                    source=_shown(row[11], FIELD_LIMIT),
                    blocked_by=row[12],
                )
                for row in db.execute(
                    "SELECT submissions.id, learners.name, exercise, file_name, content_hash, graded_at, score, "
                    "max_score, passed, attempted, submitted_at, source, blocked_by FROM submissions "
                    "JOIN learners ON learners.id = learner_id WHERE current = 1 ORDER BY learners.name, exercise"
                )
            )
            history = tuple(
                HistoryRow(
                    learner=learner_name(row[0]),
                    exercise=row[1],
                    graded_at=row[2],
                    submitted_at=None if row[3] is None else _shown(row[3], FIELD_LIMIT),
                    score=row[4],
                    max_score=row[5],
                    passed=bool(row[6]),
                    current=bool(row[7]),
                )
                for row in db.execute(
                    "SELECT learners.name, exercise, graded_at, submitted_at, score, max_score, passed, current "
                    "FROM submissions JOIN learners ON learners.id = learner_id "
                    "ORDER BY learners.name, exercise, graded_at, submissions.id"
                )
            )
            people = {
                learner_name(row[0]): Person(
                    name=learner_name(row[0]),
                    lms_id=None if row[1] is None else _shown(row[1], NAME_LIMIT),
                    full_name=None if row[2] is None else _shown(row[2], NAME_LIMIT),
                    section=None if row[3] is None else _shown(row[3], NAME_LIMIT),
                    in_roster=bool(row[4]),
                    has_folder=bool(row[5]),
                )
                for row in db.execute(
                    "SELECT name, lms_id, full_name, section, in_roster, has_folder FROM learners ORDER BY name"
                )
            }
            settings = {key: value for key, value in db.execute("SELECT key, value FROM settings ORDER BY key")}
            similar = tuple(
                SimilarPair(row[0], learner_name(row[1]), learner_name(row[2]), row[3], _answer(row[4]))
                for row in db.execute(
                    "SELECT exercise, a.name, b.name, similarity, shared FROM similar_pairs "
                    "JOIN learners AS a ON a.id = learner_a JOIN learners AS b ON b.id = learner_b "
                    "ORDER BY exercise, similarity DESC, a.name, b.name"
                )
            )
            answers: dict[int, list[AnswerRow]] = {}
            for attempt_id, question_id, chosen, correct, seconds in db.execute(
                "SELECT attempt_id, question_id, chosen, correct, seconds FROM quiz_answers "
                "ORDER BY attempt_id, position"
            ):
                answers.setdefault(attempt_id, []).append(
                    AnswerRow(_shown(question_id, FIELD_LIMIT), _answer(chosen), bool(correct), seconds)
                )
            attempts = tuple(
                AttemptRow(
                    learner=learner_name(row[1]),
                    quiz=row[2],
                    slug=_shown(row[3], FIELD_LIMIT),
                    lang=_shown(row[4], FIELD_LIMIT),
                    review=bool(row[5]),
                    started=_shown(row[6], FIELD_LIMIT),
                    finished=_shown(row[7], FIELD_LIMIT),
                    score=row[8],
                    max_score=row[9],
                    answers=tuple(answers.get(row[0], ())),
                )
                # oldest first: by the time the attempt began, then by the order the files were recorded
                for row in db.execute(
                    "SELECT quiz_attempts.id, learners.name, quiz, slug, lang, review, started, finished, score, "
                    "max_score FROM quiz_attempts JOIN learners ON learners.id = learner_id WHERE current = 1 "
                    "ORDER BY learners.name, quiz, started_epoch IS NULL, started_epoch, quiz_attempts.id"
                )
            )
            problems: dict[str, list[str]] = {}
            for name, problem in db.execute(
                "SELECT learners.name, problem FROM problems JOIN learners ON learners.id = learner_id "
                "ORDER BY learners.name, problems.id"
            ):
                problems.setdefault(learner_name(name), []).append(_shown(problem, PROBLEM_LIMIT))
        return ClassRecord(
            learners=learners,
            submissions=submissions,
            attempts=attempts,
            problems={name: tuple(found) for name, found in problems.items()},
            people=people,
            history=history,
            settings=settings,
            similar=similar,
        )

    def integrity_check(self) -> str:
        """SQLite's own check of the file: ``ok`` when it is sound."""
        return self._query("PRAGMA integrity_check")[0][0]


_CUT = re.compile(r"\n\.\.\. \(\d+ more characters cut\)\Z")


def _shown(text: object, limit: int) -> str:
    """Text read back: ``stored_text`` again, leaving alone a text that was cut when it was written."""
    text = "" if text is None else str(text)
    cut = _CUT.search(text)
    if cut is not None and cut.start() <= limit:
        return stored_text(text, len(text))  # escapes what an older grader stored; never cuts twice
    return stored_text(text, limit)


def _answer(chosen: str) -> Any:
    """A stored answer's JSON; None when it does not parse (a gradebook edited by hand)."""
    try:
        return json.loads(chosen)
    except (ValueError, RecursionError):
        return None


class _Transaction:
    """The connection inside ``Gradebook._write``: plain statements, and scripts that stay in the transaction."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.execute = connection.execute
        self.executemany = connection.executemany

    def executescript_in_transaction(self, script: str) -> None:
        # sqlite3's executescript() would COMMIT first; run the statements one by one instead
        for statement in script.split(";"):
            if statement.strip():
                self._connection.execute(statement)


def _validated(attempt: object) -> tuple[int, list[dict]]:
    """The quiz number and questions of an attempt, or an ``AttemptError`` that says what is missing."""
    if not isinstance(attempt, dict):
        raise AttemptError(f"a quiz attempt is a JSON object; this file holds a {type(attempt).__name__}")
    quiz = attempt.get("quiz")
    if isinstance(quiz, bool) or not isinstance(quiz, int):
        raise AttemptError(f'a quiz attempt has a "quiz" number; this one has {brief(quiz)}')
    if not 0 <= quiz <= MAX_QUIZ_NUMBER:
        raise AttemptError(f"a quiz number is between 0 and {MAX_QUIZ_NUMBER}; this attempt has {brief(quiz)}")
    questions = attempt.get("questions")
    if not isinstance(questions, list):
        raise AttemptError('a quiz attempt has a "questions" list; this one has none')
    if len(questions) > MAX_ATTEMPT_QUESTIONS:
        raise AttemptError(
            f"the attempt at quiz {quiz} holds {len(questions)} questions; a quiz has at most {MAX_ATTEMPT_QUESTIONS}"
        )
    for position, question in enumerate(questions, start=1):
        if not isinstance(question, dict) or not isinstance(question.get("id"), str) or not question["id"]:
            raise AttemptError(f'question {position} of the attempt at quiz {quiz} has no "id"')
        if len(question["id"]) > FIELD_LIMIT or not QUESTION_ID.match(question["id"]):
            raise AttemptError(
                f"question {position} of the attempt at quiz {quiz} has the id {question['id'][:40]!r}; "
                "question ids are lower-case letters, digits and hyphens (was the file edited by hand?)"
            )
    return quiz, questions


# an answer as stored: one encoder for every answer (``json.dumps`` with an option builds one per call)
_CHOSEN_JSON = json.JSONEncoder(ensure_ascii=False)


@dataclass(frozen=True)
class AttemptRows:
    """One quiz attempt as the gradebook stores it (``quiz_attempt_rows``), checked and ready to write."""

    content_hash: str
    attempt: tuple  # quiz_attempts' columns from quiz to content_hash
    answers: list[tuple]  # quiz_answers' columns from position to seconds, in order

    @property
    def scores(self) -> tuple[float, float]:
        """(score, max_score)."""
        return self.attempt[7], self.attempt[8]


def quiz_attempt_rows(attempt: object, content_hash: str) -> AttemptRows:
    """The rows that store ``attempt``, or an ``AttemptError`` (see ``Gradebook.record_quiz_attempt``)."""
    quiz, questions = _validated(attempt)
    assert isinstance(attempt, dict)  # _validated said so
    started = stored_text(attempt.get("started", ""), FIELD_LIMIT)
    max_score = _number(attempt.get("max_score"), float(len(questions)))
    score = _number(attempt.get("score"), float(sum(1 for question in questions if question.get("correct"))))
    if not 0 <= max_score <= MAX_ATTEMPT_QUESTIONS or not 0 <= score <= max_score:
        raise AttemptError(
            f"the attempt at quiz {quiz} claims a score of {score:g} out of {max_score:g}; "
            f"scores are between 0 and the maximum, at most {MAX_ATTEMPT_QUESTIONS}"
        )
    content_hash = stored_text(content_hash, FIELD_LIMIT + 64)
    row = (
        quiz,
        stored_text(attempt.get("slug", ""), FIELD_LIMIT),
        stored_text(attempt.get("lang", ""), FIELD_LIMIT),
        int(bool(attempt.get("review", False))),
        started,
        stored_text(attempt.get("finished", ""), FIELD_LIMIT),
        _epoch(started),
        score,
        max_score,
        content_hash,
    )
    answers = []
    for position, question in enumerate(questions):
        try:
            chosen = _CHOSEN_JSON.encode(question.get("chosen"))
        except (ValueError, TypeError, RecursionError) as problem:
            raise AttemptError(
                f"the answer to question {position + 1} of the attempt at quiz {quiz} can not be stored ({problem})"
            ) from None
        if len(chosen) > CHOSEN_LIMIT:
            raise AttemptError(
                f"the answer to question {position + 1} of the attempt at quiz {quiz} is {len(chosen)} characters "
                f"long; an answer is a few option numbers or one number (at most {CHOSEN_LIMIT} characters)"
            )
        seconds = _number(question.get("seconds"), None)
        answers.append(
            (
                position,
                str(question["id"]),
                chosen,
                int(bool(question.get("correct"))),
                seconds if seconds is not None and 0 <= seconds <= MAX_SECONDS else None,
            )
        )
    return AttemptRows(content_hash, row, answers)


def brief(value: object) -> str:
    """``repr(value)`` short enough for a message: never a 4000-digit number or a page of text."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else text[:40] + "..."
    return f"a {type(value).__name__}"
