"""Watch mode: grade an exercise again each time its file is saved, and say what changed.

``grade watch N`` grades the file after every save and shows the full report
the first time, then only the checks whose verdict changed: newly passing,
newly failing, still failing with a different message.  A save of a learner
file it imports (``ex01_activations.py`` for exercise 3, see
``grader.learner.imports``) grades it again too; the files imported are found
again before every grading, so an import added by an edit counts from the next
one.

On Linux a save is heard at once (``Notifier``: inotify through ctypes, no
dependency): the folders of the watched files are watched, and the close of a
file written, a file renamed into place or a change of its times grades again
at once; a write not yet closed, a file created or removed (an editor's save
in several steps) grades once nothing has happened for ``SETTLE_SECONDS``.
Several events of one save give one grading: a file is graded again only when
its identity, size, time or content differ from what was graded.  Where
inotify is missing or fails (another system, too many watches, a folder gone,
a network or shared folder whose changes give no events) the files are polled
instead, as before: their modification time and size, every ``POLL_SECONDS``.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import os
import select
import stat
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.grading.feedback import COLOURS, LABELS, check_detail, summary
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.learner.imports import open_regular
from grader.text import Text

POLL_SECONDS = 0.1  # a few stat() calls ten times a second: nothing to a machine, a tenth of a second to a learner
SETTLE_SECONDS = 0.05  # a changed file must hold still this long before it is graded (an editor writing in steps)
FileState = tuple[int, int] | None
FilesState = tuple[tuple[Path, FileState], ...]


def file_state(path: Path) -> FileState:
    """``(mtime_ns, size)`` of ``path``; None while it does not exist (an editor replacing it)."""
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def wait_for_change(
    path: Path,
    last: FileState,
    *,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> FileState:
    """Block until ``path`` differs from ``last`` and has stopped changing; return its new state."""
    while True:
        sleep(interval)
        state = file_state(path)
        if state is None or state == last:
            continue
        # an editor may write in several steps: grade once the file holds still a moment
        sleep(min(interval, SETTLE_SECONDS))
        settled = file_state(path)
        if settled == state:
            return state


def files_state(paths: Sequence[Path]) -> FilesState:
    """Each file of ``paths`` with its ``file_state``."""
    return tuple((Path(path), file_state(path)) for path in paths)


def wait_for_any_change(
    paths: Sequence[Path],
    last: FilesState,
    *,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> FilesState:
    """Block until one of ``paths`` differs from ``last`` and they have stopped changing; return their state.

    The first path is the file graded: while it does not exist (an editor
    replacing it) nothing counts.  Another file that disappears is a change (the
    import now fails), once that holds still for one poll.
    """
    while True:
        sleep(interval)
        state = files_state(paths)
        if not state or state[0][1] is None or state == last:
            continue
        # an editor may write in several steps: grade once the files hold still a moment
        sleep(min(interval, SETTLE_SECONDS))
        if files_state(paths) == state:
            return state


# --- hearing a save at once: inotify (Linux) ------------------------------------------------------

RESCAN_SECONDS = 1.0  # while events are heard, the files are still looked at once a second: a change no event told of
DIGEST_LIMIT_BYTES = 1024 * 1024  # a bigger file (a notebook with images) is told apart by its stat alone
Fingerprint = tuple[int, int, int, int, bytes | None] | None  # (device, inode, size, mtime_ns, sha256), None: missing
Fingerprints = tuple[tuple[Path, Fingerprint], ...]

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_UNMOUNT = 0x2000
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x1000000
IN_EXCL_UNLINK = 0x4000000
# what a folder is watched for: its files written, renamed, created, removed, touched, and the folder itself going
FOLDER_EVENTS = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE) | (
    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK
)
# the file is whole: written and closed, renamed into place, or touched (a touch changes its time only)
SAVED = IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB
# a step of a save that may have more to come: grade once the files hold still
STEP = IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_Q_OVERFLOW
# the watch of a folder ended (moved, deleted, unmounted): watch its path again, or poll
LOST = IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED
READ_LIMIT_BYTES = 1024 * 1024  # events read at one look (a few thousand); the rest wait for the next
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then len bytes of name
# filesystems where a change made by another machine (a file server, the Windows side of WSL 2, a
# virtual machine's host) gives no event: polled.  From linux/magic.h and the file systems' sources.
EVENTLESS_FILESYSTEMS = frozenset(
    {
        0x6969,  # NFS
        0x517B,  # SMB
        0xFF534D42,  # CIFS
        0xFE534D42,  # SMB2
        0x65735546,  # FUSE (sshfs, virtiofs, Docker Desktop's shares, rclone)
        0x01021997,  # 9P (WSL 2's /mnt/c, QEMU shares)
        0x73757245,  # Coda
        0x5346414F,  # AFS
        0x6B414653,  # kAFS
        0x00C36400,  # Ceph
        0x564C,  # NCP
        0x786F4256,  # VirtualBox shared folders
        0x7C7C6673,  # Parallels shared folders
    }
)


def _digest(descriptor: int) -> bytes:
    """sha256 of what ``descriptor`` reads, up to ``DIGEST_LIMIT_BYTES`` and one more."""
    digest = hashlib.sha256()
    left = DIGEST_LIMIT_BYTES + 1
    while left > 0:
        chunk = os.read(descriptor, min(left, 256 * 1024))
        if not chunk:
            break
        digest.update(chunk)
        left -= len(chunk)
    return digest.digest()


def fingerprint(path: Path) -> Fingerprint:
    """What tells two versions of ``path`` apart: device, inode, size, mtime_ns and a digest of its bytes.

    The digest tells apart two saves of the same size within one tick of the
    file system's clock (a few milliseconds); None for a file larger than
    ``DIGEST_LIMIT_BYTES`` and for anything but a regular file (a FIFO or a
    device named as the file is never opened: it could block, or act on being
    opened).  None while the file does not exist.
    """
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # missing, a name the system refuses: as missing (the grading says why)
        return None
    digest = None
    if stat.S_ISREG(status.st_mode) and status.st_size <= DIGEST_LIMIT_BYTES:
        try:  # non-blocking: a FIFO put in its place since the stat must not hang the watch
            found = open_regular(path)
        except OSError:  # unreadable: told apart by its stat (the grading says what is wrong)
            found = None
        if found is not None:
            descriptor, opened = found
            try:
                status, digest = opened, _digest(descriptor)
            except OSError:
                digest = None
            finally:
                os.close(descriptor)
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, digest


def fingerprints(paths: Sequence[Path]) -> Fingerprints:
    """Each file of ``paths`` with its ``fingerprint``."""
    return tuple((Path(path), fingerprint(path)) for path in paths)


def _changed(paths: Sequence[Path], last: Fingerprints) -> bool:
    """Whether a file of ``paths`` differs from ``last`` while the file graded (the first) exists."""
    now = fingerprints(paths)
    return bool(now) and now[0][1] is not None and now != last


@dataclass(frozen=True)
class Event:
    """One event of a watched folder: ``path`` is the watched file it concerns, None for the folder itself."""

    mask: int
    path: Path | None


class Notifier:
    """Linux inotify, through ctypes: the events of the folders of the watched files.

    ``open()`` gives None where inotify is missing (another system) or can not
    be had (the per-user limit of instances).  ``follow`` watches the folders
    of the given files, symbolic links followed to the file they name; it
    answers False, and the caller polls, when a folder can not be watched (gone,
    too many watches) or lies on a filesystem whose changes give no events.
    The descriptor is close-on-exec: the sandbox, a new program, never gets it.
    """

    def __init__(self, libc: ctypes.CDLL, descriptor: int) -> None:
        self._libc = libc
        self._descriptor = descriptor
        self._folders: dict[int, dict[bytes, list[Path]]] = {}  # watch descriptor -> file name -> watched paths

    @classmethod
    def open(cls) -> Notifier | None:
        """A new notifier, or None where inotify can not be used."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.inotify_init1.argtypes = [ctypes.c_int]
            libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
            libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
            libc.statfs.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        except (OSError, AttributeError):  # no C library to load, or one without inotify
            return None
        descriptor = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if descriptor < 0:  # EMFILE: the user's instances are used up
            return None
        return cls(libc, descriptor)

    def close(self) -> None:
        """Stop hearing events (the kernel drops the watches with the descriptor)."""
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1
        self._folders = {}

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _gives_events(self, folder: bytes) -> bool:
        buffer = ctypes.create_string_buffer(256)  # struct statfs (120 bytes on 64-bit Linux); f_type first
        if self._libc.statfs(folder, buffer) != 0:
            return False
        kind = ctypes.c_long.from_buffer(buffer).value & 0xFFFFFFFF
        return kind not in EVENTLESS_FILESYSTEMS

    def follow(self, paths: Sequence[Path]) -> bool:
        """Watch the folders of ``paths`` (and of the files their links name), and no others; False: poll instead."""
        wanted: dict[bytes, dict[bytes, list[Path]]] = {}
        for path in paths:
            absolute = os.path.abspath(path)
            for place in dict.fromkeys((absolute, os.path.realpath(absolute))):
                folder, name = os.path.split(os.fsencode(place))
                wanted.setdefault(folder, {}).setdefault(name, []).append(Path(path))
        folders: dict[int, dict[bytes, list[Path]]] = {}
        ready = True
        for folder, names in wanted.items():
            if not self._gives_events(folder):
                ready = False
                continue
            watch = self._libc.inotify_add_watch(self._descriptor, folder, FOLDER_EVENTS)
            if watch < 0:  # ENOENT: gone; ENOSPC: the user's watches are used up; EACCES
                ready = False
                continue
            for name, named in names.items():  # two paths of one folder (a link to it) share its watch
                folders.setdefault(watch, {}).setdefault(name, []).extend(named)
        for stale in self._folders.keys() - folders.keys():
            self._libc.inotify_rm_watch(self._descriptor, stale)
        self._folders = folders
        return ready

    def read(self, timeout: float) -> list[Event]:
        """The events of the watched files and folders, waiting up to ``timeout`` seconds for the first."""
        poller = select.poll()  # not select(): it fails on a descriptor numbered 1024 or more
        poller.register(self._descriptor, select.POLLIN)
        if not poller.poll(max(0, math.ceil(timeout * 1000))):
            return []
        data = b""
        while len(data) < READ_LIMIT_BYTES:  # a folder flooded with events can not keep this reading
            try:
                chunk = os.read(self._descriptor, 64 * 1024)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        events: list[Event] = []
        offset = 0
        while offset + _EVENT.size <= len(data):
            watch, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            if mask & IN_Q_OVERFLOW:  # events were lost: anything may have changed
                events.append(Event(mask, None))
                continue
            names = self._folders.get(watch)
            if names is None:  # a folder no longer watched
                continue
            if mask & LOST:
                events.append(Event(mask, None))
            for path in names.get(name, ()) if name else ():
                events.append(Event(mask, path))
        return events


def _emptied(paths: set[Path]) -> bool:
    """Whether a file of ``paths`` exists and is empty."""
    return any((state := file_state(path)) is not None and state[1] == 0 for path in paths)


def _sort(events: Sequence[Event], unclosed: set[Path]) -> tuple[bool, bool, bool]:
    """Whether ``events`` hold a whole save, a step of one, a lost watch; ``unclosed``: files written, not closed."""
    saved = step = lost = False
    for event in events:
        saved = saved or bool(event.mask & SAVED)
        step = step or bool(event.mask & STEP)
        lost = lost or bool(event.mask & LOST)
        if event.path is None:
            continue
        if event.mask & IN_MODIFY:
            unclosed.add(event.path)
        elif event.mask & (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE):
            unclosed.discard(event.path)
    return saved, step, lost


def wait_for_save(
    notifier: Notifier,
    paths: Sequence[Path],
    last: Fingerprints,
    *,
    settle: float = SETTLE_SECONDS,
    rescan: float = RESCAN_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Block until one of ``paths`` is saved and differs from ``last``; False when events can not be heard any more.

    A close after writing, a rename into place or a touch of a watched file
    ends the wait at once (when the files differ from ``last``: several events
    of one save, or a chmod after it, grade once).  A write not yet closed, a
    file created or removed ends it once no further event came for ``settle``
    seconds; never while a file written and not yet closed is empty (an editor
    that truncates, then writes).  False when a watched folder went (moved,
    deleted) and can not be watched again: the caller polls.
    """
    settle_at: float | None = None  # when the files count as holding still
    rescan_at = clock() + rescan
    unclosed: set[Path] = set()  # written, not yet closed
    while True:
        events = notifier.read((rescan_at if settle_at is None else settle_at) - clock())
        saved, step, lost = _sort(events, unclosed)
        if lost:
            if not notifier.follow(paths):
                return False
            step = True  # a change may have come while the folder was not watched
        now = clock()
        if saved and not unclosed and _changed(paths, last):
            return True
        if step or (saved and unclosed):  # another file is still being written: wait for it to hold still
            settle_at = now + settle
        elif settle_at is not None and now >= settle_at:
            settle_at = None
            # a file truncated and not yet written again is not graded empty: its close or next write wakes this
            if not _emptied(unclosed) and _changed(paths, last):
                return True
        if settle_at is None and now >= rescan_at:
            rescan_at = now + rescan
            if fingerprints(paths) != last:
                settle_at = now + settle


@dataclass(frozen=True)
class Changes:
    """How one grading differs from the one before, check by check."""

    now_passing: tuple[CheckResult, ...]
    now_failing: tuple[CheckResult, ...]
    reworded: tuple[CheckResult, ...]  # failing before and now, for a different reason
    unchanged_passing: int
    unchanged_failing: int

    @property
    def any(self) -> bool:
        """Whether any check's verdict or message changed."""
        return bool(self.now_passing or self.now_failing or self.reworded)


def _message(check: CheckResult) -> tuple:
    return (check.status, check.lines, check.hint, check.context)


def compare(previous: ExerciseResult, current: ExerciseResult) -> Changes:
    """The checks of ``current`` whose verdict changed since ``previous`` (matched by name)."""
    before = {check.name: check for check in previous.results}
    now_passing, now_failing, reworded = [], [], []
    unchanged_passing = unchanged_failing = 0
    for check in current.results:
        old = before.get(check.name)
        if check.passed:
            if old is not None and old.passed:
                unchanged_passing += 1
            else:
                now_passing.append(check)
        elif old is None or old.passed or old.status != check.status:
            now_failing.append(check)
        elif _message(old) != _message(check):
            reworded.append(check)
        else:
            unchanged_failing += 1
    return Changes(tuple(now_passing), tuple(now_failing), tuple(reworded), unchanged_passing, unchanged_failing)


def _check_lines(checks: tuple[CheckResult, ...], lang: str, label: Callable[[Status], str]) -> list[str]:
    lines: list[str] = []
    details_shown: list[list[str]] = []
    for check in checks:
        score = f"({check.score:g}/{check.max_score:g})"
        lines.append(f"{label(check.status)}  {check.title(lang)}  {score}")
        if check.status == Status.PASSED:
            continue
        detail = check_detail(check, lang)
        if detail and detail in details_shown:  # one import error fails every check: say it once
            lines.append("  " + Text("(same as above)", "(上と同じ)")(lang))
        else:
            lines.extend(detail)
            details_shown.append(detail)
    return lines


def render_changes(changes: Changes, current: ExerciseResult, lang: str, colour: bool = False) -> str:
    """What a re-grading in watch mode shows: only what changed, then the score."""
    import click

    def label(status: Status) -> str:
        text = LABELS[status]
        return click.style(text, fg=COLOURS[status], bold=True) if colour else text

    stamp = time.strftime("%H:%M:%S")
    lines = [Text(f"[{stamp}] graded again:", f"[{stamp}] 再採点:")(lang)]
    sections = (
        (Text("newly passing:", "新たに合格:"), changes.now_passing),
        (Text("newly failing:", "新たに不合格:"), changes.now_failing),
        (Text("still failing, for another reason:", "引き続き不合格(理由が変化):"), changes.reworded),
    )
    for heading, checks in sections:
        if checks:
            lines.append(heading(lang))
            lines.extend(_check_lines(checks, lang, label))
    if not changes.any:
        lines.append(Text("no check changed", "変化したチェックはありません")(lang))
    elif changes.unchanged_passing or changes.unchanged_failing:
        lines.append(
            Text(
                "unchanged: {passing} passing, {failing} failing",
                "変化なし: 合格 {passing}、不合格 {failing}",
            ).format(passing=changes.unchanged_passing, failing=changes.unchanged_failing)(lang)
        )
    lines.append(summary(current, lang))
    return "\n".join(lines)


def watch(
    path: Path,
    grade: Callable[[], ExerciseResult | None],
    show: Callable[[ExerciseResult, ExerciseResult | None], None],
    *,
    waiting: Callable[[], None] = lambda: None,
    interval: float = POLL_SECONDS,
    max_runs: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    imports: Callable[[], Sequence[Path]] = lambda: (),
    notifier: Notifier | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Grade ``path`` now and after every save, until interrupted or ``max_runs`` gradings.

    Parameters
    ----------
    path : Path
        The file to watch.
    grade : callable
        Grades the file; None when grading itself failed (the next save tries again).
    show : callable
        ``show(result, previous)`` reports a grading; ``previous`` is None the first time.
    waiting : callable
        Called when the loop starts waiting for the next save.
    interval : float
        Seconds between two looks at the file, when it is polled.
    max_runs : int, optional
        Stop after this many gradings (for tests); None waits for Ctrl-C.
    sleep : callable
        ``time.sleep``, replaceable in tests.
    imports : callable
        The other files whose save grades again (the learner files ``path``
        imports); asked before every grading.
    notifier : Notifier, optional
        Hears saves as they happen (``Notifier.open()``); None, or a folder it
        can not watch, polls every ``interval``.
    clock : callable
        ``time.monotonic``, replaceable in tests (the settle time of events).

    Returns
    -------
    int
        The number of gradings done.
    """
    previous: ExerciseResult | None = None
    runs = 0
    while True:
        # before grading: a save during the grading counts as the next one
        watched = [Path(path), *(file for file in imports() if Path(file) != Path(path))]
        hearing = notifier is not None and notifier.follow(watched)
        if hearing and notifier is not None:
            notifier.read(0)  # what happened before this look is in it: only later events count
        state = files_state(watched)
        marks = fingerprints(watched) if hearing else ()
        result = grade()
        runs += 1
        if result is not None:
            show(result, previous)
            previous = result
        if max_runs is not None and runs >= max_runs:
            return runs
        waiting()
        if not (hearing and notifier is not None and wait_for_save(notifier, watched, marks, clock=clock)):
            if notifier is not None:
                notifier.follow(())  # polled: no events pile up meanwhile
            wait_for_any_change(watched, state, interval=interval, sleep=sleep)
