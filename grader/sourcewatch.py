"""Whether the grader's own sources changed since the grading server started.

A grading server must not answer with code older than the files on disk: a
changed check, hint or reference file starts a fresh server
(``grader.launch``).  The client used to find that out itself, by taking the
stat fingerprint of every source file (``launch.sources_fingerprint``, some
160 files) before each request: half a millisecond of CPU of every warm
grading, before the server even had the request.  The server now asks the
kernel instead: Linux's inotify reports each change to a watched folder's
entries as it happens, so a request only reads the events queued since the
last one (none, almost always).

Every folder the fingerprint walks is watched, from before the server takes
its own fingerprint, so no change after that is missed.  Where inotify can
not see what the fingerprint sees (a folder that is missing; a file that is a
symbolic link, whose target may be anywhere; a network file system, where
another machine's changes raise no event; a system without inotify), the
fingerprint itself decides, taken again at each request.  Bytecode caches
are no change, as for the fingerprint; anything else is (even a change the
fingerprint would not count, such as a new mode: a restart too many is
harmless, one too few is not).
"""

from __future__ import annotations

import os
import re

from grader import launch

# inotify(7): a folder's entries written, closed after writing, their metadata changed, created, deleted or
# moved in or out, and the folder itself deleted or moved
_IN_MODIFY = 0x002
_IN_ATTRIB = 0x004
_IN_CLOSE_WRITE = 0x008
_IN_MOVED_FROM = 0x040
_IN_MOVED_TO = 0x080
_IN_CREATE = 0x100
_IN_DELETE = 0x200
_IN_DELETE_SELF = 0x400
_IN_MOVE_SELF = 0x800
_IN_ONLYDIR = 0x01000000
_IN_DONT_FOLLOW = 0x02000000
_WATCHED = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
)
# where inotify sees every change, whoever made it (a network file system's other clients' changes it does not)
LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "zfs", "tmpfs", "ramfs", "overlay", "jfs", "reiserfs", "bcachefs"}
)
_OCTAL = re.compile(r"\\([0-7]{3})")
_EVENT_HEAD = 16  # struct inotify_event: wd, mask, cookie, len (four 32-bit fields), then the name


class SourceWatch:
    """The grader's source folders as they are now; ``changed()`` tells whether any file in them changed since."""

    def __init__(self, folders: list[str]) -> None:
        self.folders = folders
        self.fd = _watch(folders)
        # without inotify, the fingerprint of now, to compare each request's with
        self.fingerprint = launch.sources_fingerprint(folders) if self.fd < 0 else b""
        self.seen = False  # a change was seen: the answer stays yes

    @property
    def watching(self) -> bool:
        """Whether the kernel reports changes (else each ``changed`` takes the fingerprint again)."""
        return self.fd >= 0

    def changed(self) -> bool:
        """Whether a source file changed since this watch began (once yes, always yes)."""
        if not self.seen:
            if self.fd >= 0:
                self.seen = self._events_say_changed()
            else:
                self.seen = launch.sources_fingerprint(self.folders) != self.fingerprint
        return self.seen

    def _events_say_changed(self) -> bool:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return False
            except OSError:  # no longer readable: say changed, which costs one fresh server at most
                return True
            if not data:
                return True
            if _any_change(data):
                return True

    def close(self) -> None:
        """Stop watching (the server's end closes the descriptor as well)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _any_change(data: bytes) -> bool:
    """Whether a buffer of inotify events holds one that is a change of a source (not of a bytecode cache).

    An event without a name (a watched folder deleted or moved, its watch
    ended, the queue overflowed) is a change too.
    """
    at = 0
    while at + _EVENT_HEAD <= len(data):
        size = int.from_bytes(data[at + 12 : at + 16], "little")
        name = data[at + _EVENT_HEAD : at + _EVENT_HEAD + size].rstrip(b"\0")
        at += _EVENT_HEAD + size
        if name == b"__pycache__" or name.endswith((b".pyc", b".pyo")):
            continue
        return True
    return False


def _watch(folders: list[str]) -> int:
    """An inotify descriptor watching ``folders`` and every folder below them; -1 when that can not be done."""
    try:
        watched = _folders_to_watch(folders)
    except OSError:  # an entry's type could not be read
        return -1
    if watched is None or not _on_local_filesystems(folders):
        return -1
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
    except (OSError, AttributeError):  # not Linux, or no inotify
        return -1
    if fd < 0:
        return -1
    for folder in watched:
        if libc.inotify_add_watch(fd, os.fsencode(folder), _WATCHED | _IN_ONLYDIR | _IN_DONT_FOLLOW) < 0:
            os.close(fd)  # out of watches (fs.inotify.max_user_watches), say: the fingerprint instead
            return -1
    return fd


def _on_local_filesystems(folders: list[str]) -> bool:
    """Whether every one of ``folders`` is on a file system whose every change inotify reports (``LOCAL_FILESYSTEMS``).

    On a network file system (NFS, SMB, 9p, FUSE) inotify sees only the
    changes made through this machine's kernel, not another machine's: there,
    and wherever the file system is not known, the fingerprint decides.
    """
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as handle:
            mounts = handle.read().splitlines()
    except OSError:
        return False
    return all(filesystem_of(os.path.realpath(folder), mounts) in LOCAL_FILESYSTEMS for folder in folders)


def filesystem_of(path: str, mounts: list[str]) -> str:
    """The type of the file system a real ``path`` is on, by the lines of ``/proc/self/mountinfo`` ("" if none)."""
    best, kind = "", ""
    for line in mounts:
        head, separator, tail = line.partition(" - ")
        fields = head.split()
        if not separator or len(fields) < 5 or not tail.split():
            continue
        point = _OCTAL.sub(lambda found: chr(int(found.group(1), 8)), fields[4])  # mountinfo escapes " " as \040
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):  # of equal mount points the last is on top
            best, kind = point, tail.split()[0]
    return kind


def _folders_to_watch(folders: list[str]) -> list[str] | None:
    """Each folder the fingerprint walks (``launch.walk_sources``); None when one is missing or a file is a link."""
    found: list[str] = []
    for top in folders:
        if not os.path.isdir(top) or os.path.islink(top):
            return None
        for folder, files in launch.walk_sources(top):
            if any(entry.is_symlink() for entry in files):
                return None  # a file's link: the fingerprint reads its target, which may be anywhere
            found.append(folder)
    return found
