"""Operating-system confinement for the sandbox (Linux), with graceful fallbacks.

The sandbox server (``sandbox_child.py``) loads this file by path, so it must
import nothing but the standard library.  Three mechanisms, each used when the
kernel offers it and skipped (and reported) when it does not:

- PID and network namespaces for the whole sandbox.  The server becomes PID 1
  of a fresh PID namespace: every process a submission starts, even in a new
  session or double-forked, dies with it.  The network namespace has no
  interface but a loopback that is down, so no connection can be opened.
  Root can create them directly; other users need unprivileged user
  namespaces.
- Landlock, per worker: the learner's code may read only the Python standard
  library, NumPy, its own exercise files and the sandbox's scratch folder, may
  write only into its own probe folders, may not open TCP connections, and may
  not signal processes outside the sandbox.  Needs Linux 5.13+ (TCP rules
  6.7+, signal scoping 6.12+), unprivileged.
- Resource limits (always): CPU time, data segment, file size.

Where none of this exists (macOS, old kernels, locked-down containers) the
sandbox still runs every check in its own process with time and memory limits;
``describe()`` says what is active, and the README's security section says what
that means.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36

SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    if platform.system() != "Linux":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _unshare(flags: int) -> bool:
    return _LIBC is not None and _LIBC.unshare(flags) == 0


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def enter_namespaces(pid: bool = True, net: bool = True) -> list[str]:
    """Move this process into new network and/or PID namespaces; return what worked.

    The PID namespace applies to the children of the caller: its first child is
    PID 1 there.  Returns names such as ``["pid", "net"]``, or ``[]``.
    """
    if _LIBC is None or not (pid or net):
        return []
    flags = (CLONE_NEWPID if pid else 0) | (CLONE_NEWNET if net else 0)
    uid, gid = os.geteuid(), os.getegid()
    if uid != 0:
        if not _unshare(CLONE_NEWUSER | flags):
            return []
        # keep our own identity inside the new user namespace
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError:
            pass
        return ["user"] + (["pid"] if pid else []) + (["net"] if net else [])
    if _unshare(flags):
        return (["pid"] if pid else []) + (["net"] if net else [])
    if net and _unshare(CLONE_NEWNET):
        return ["net"]
    return []


def die_with_parent(signal_number: int) -> None:
    """Ask the kernel to send ``signal_number`` to this process when its parent dies."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)


def become_subreaper() -> bool:
    """Adopt orphaned descendants, so they can be found and killed."""
    return _LIBC is not None and _LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is not available."""
    if _LIBC is None:
        return 0
    version = _LIBC.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), LANDLOCK_CREATE_RULESET_VERSION)
    return max(0, int(version))


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def landlock(read_paths: list[str], write_paths: list[str]) -> int:
    """Restrict this process (and its future children) for good.

    Parameters
    ----------
    read_paths : list of str
        Files and folders that may be read (and executed), with everything beneath.
    write_paths : list of str
        Folders where anything may be done.

    Returns
    -------
    int
        The Landlock ABI used, 0 when Landlock is unavailable (nothing changed).
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, 0, 0)
    size = 8
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP
        size = 16
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
    ruleset = _LIBC.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return 0
    try:
        for path, rights in [(p, FS_READ) for p in read_paths] + [(p, handled) for p in write_paths]:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                allowed = rights if os.path.isdir(path) else rights & FILE_ONLY
                rule = _PathBeneathAttr(allowed & handled, fd)
                _LIBC.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            finally:
                os.close(fd)
        if _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return 0
        if _LIBC.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            return 0
    finally:
        os.close(ruleset)
    return abi


def describe() -> dict[str, object]:
    """What this machine offers, for the README's security section and the tests."""
    return {
        "system": platform.system(),
        "landlock_abi": landlock_abi(),
        "root": hasattr(os, "geteuid") and os.geteuid() == 0,
    }
