"""Operating-system confinement for the sandbox (Linux), with graceful fallbacks.

The sandbox server (``server.py``) loads this file by path, so it must
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
- No privileges, per worker: every capability set emptied (bounding and
  ambient included), ``no_new_privs``, and, when the grader runs as root and
  the Python installation is readable by others, the unprivileged user
  ``nobody``.  Unprivileged itself.
- A seccomp filter, per worker (x86_64 and aarch64): system calls no exercise
  needs fail with EPERM: starting processes and programs, mounting, modules,
  clocks, host names, keys, BPF, ptrace, io_uring, System V IPC, memfd,
  sockets, namespaces, and new threads.
- Resource limits (always), hard as well as soft so that learner code can not
  raise them: address space (counts shared mappings too), CPU time, file size,
  open files, no core files.

Where none of this exists (macOS, old kernels, locked-down containers) the
sandbox still runs every check in its own process with time and memory limits;
``describe()`` says what is active, and the README's security section says what
that means.
"""

from __future__ import annotations

import ctypes
import os
import resource
import stat
import struct
from collections.abc import Sequence

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_CAPBSET_DROP = 24
PR_SET_SECCOMP = 22
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
# the user a worker becomes when the grader runs as root (nobody / nogroup)
SANDBOX_UID = 65534
SANDBOX_GID = 65534

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


# os.uname() is what platform.system() and platform.machine() read, without importing platform
_SYSTEM, _MACHINE = (os.uname().sysname, os.uname().machine) if hasattr(os, "uname") else ("", "")


def _libc() -> ctypes.CDLL | None:
    if _SYSTEM != "Linux":
        return None
    try:
        # the C library this interpreter has loaded already: ctypes.util.find_library("c") would import
        # ctypes.util (shutil, subprocess...) and run ``/sbin/ldconfig -p``, in the grader, the zygote and
        # every sandbox server it starts (tens of milliseconds of each cold start)
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    for name in ("prctl", "capset", "syscall"):  # looked up now, once, not by each forked worker
        getattr(libc, name, None)
    return libc


_LIBC = _libc()

# glibc's mallopt parameters, and what keep_freed_memory sets them to (glibc's largest mmap threshold)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 128 * 1024 * 1024


def keep_freed_memory() -> None:
    """Have the C library reuse freed memory of up to 32 MB instead of returning it to the kernel.

    By default an allocation over 128 KB (a NumPy temporary, a result on its
    way back) is mapped afresh and unmapped when freed, so a process that makes
    many of them faults in every page again each time: exercise 9's workers
    (half of their page faults), and the grading server that judges their
    arrays, about 900 page faults a warm grading.  The sandbox's processes are
    short-lived and lose nothing by keeping it (the address-space limit counts
    heap and mappings alike); the grading server keeps what its largest grading
    needed (``grader.daemon``).  Not glibc: nothing.
    """
    mallopt = getattr(_LIBC, "mallopt", None)  # musl's is a no-op; elsewhere there is no C library here
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


# capset(2)'s arguments that empty every capability set (header: version 3, this process; data: all
# zero), built once when this module loads: building them in each forked worker costs it a few tenths
# of a millisecond (ctypes' first uses, and the pages they touch copied)
_NO_CAPABILITIES = (
    ctypes.create_string_buffer(struct.pack("Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8),
    ctypes.create_string_buffer(24),
)


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
    # a System V IPC namespace goes with the network one: segments a submission creates die with it
    flags = (CLONE_NEWPID if pid else 0) | (CLONE_NEWNET | CLONE_NEWIPC if net else 0)
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
    if net and _unshare(CLONE_NEWNET | CLONE_NEWIPC):
        return ["net"]
    return []


def own_pid_namespace() -> int:
    """A descriptor of this process's PID namespace (``/proc/self/ns/pid``), -1 when there is none."""
    try:
        return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1


def next_child_in_new_pid_namespace() -> bool:
    """Make the next child this process forks PID 1 of a fresh PID namespace; whether that worked.

    Only the children's namespace changes, this process stays where it is;
    ``back_to_pid_namespace`` makes later children ordinary ones again.  For a
    sandbox zygote: its server is then its own child, with no process between
    them that only relays an exit status.
    """
    return _unshare(CLONE_NEWPID)


def back_to_pid_namespace(own: int) -> bool:
    """Children forked from now on are in ``own`` (``own_pid_namespace()``) again; whether that worked."""
    return _LIBC is not None and own >= 0 and _LIBC.setns(own, CLONE_NEWPID) == 0


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


def open_paths(paths: list[str]) -> list[tuple[int, bool]]:
    """``O_PATH`` descriptors of ``paths`` (those that exist), each with whether it is a folder.

    For ``landlock_ruleset(opened_read=...)``: a sandbox zygote opens the
    Python and NumPy paths once, and every server it forks builds its rulesets
    from them without opening hundreds of paths again.  An ``O_PATH``
    descriptor reads nothing; workers close every inherited descriptor.
    """
    opened = []
    for path in paths:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            opened.append((fd, stat.S_ISDIR(os.fstat(fd).st_mode)))
        except OSError:
            os.close(fd)
    return opened


# the rules of descriptors opened once (``open_paths``), built once per process and kept with the array
# they point into: a zygote prepares them, so each server it forks only hands them to the kernel
_PREPARED: dict[
    tuple[int, tuple[tuple[int, bool], ...]], tuple[ctypes.Array[_PathBeneathAttr], list[ctypes.c_void_p]]
] = {}


def prepare_rules(opened_read: Sequence[tuple[int, bool]], handled: int | None = None) -> list[ctypes.c_void_p]:
    """Pointers to the Landlock rules that let ``opened_read`` (``open_paths``) be read, built the first time.

    ``handled``: the rights the ruleset handles (this kernel's when ``None``).
    A sandbox zygote calls it once, so the hundreds of rules of Python's paths
    are not built again by every server it forks (which builds two rulesets).
    """
    if handled is None:
        handled = _fs_rights(landlock_abi())
    key = (handled, tuple(opened_read))
    prepared = _PREPARED.get(key)
    if prepared is None:
        rules = (_PathBeneathAttr * len(key[1]))(
            *[
                _PathBeneathAttr((FS_READ if is_folder else FS_READ & FILE_ONLY) & handled, fd)
                for fd, is_folder in key[1]
            ]
        )
        address, size = ctypes.addressof(rules), ctypes.sizeof(_PathBeneathAttr)
        prepared = _PREPARED[key] = (rules, [ctypes.c_void_p(address + index * size) for index in range(len(rules))])
    return prepared[1]


def landlock_ruleset(
    read_paths: list[str], write_paths: list[str], *, opened_read: Sequence[tuple[int, bool]] = ()
) -> int:
    """A Landlock ruleset (a file descriptor) for the given paths; -1 when Landlock is unavailable.

    Building one costs a system call or three per path; a ruleset can be
    applied by many processes (``restrict``), so the sandbox server builds its
    workers' once and each forked worker only applies it.

    Parameters
    ----------
    read_paths : list of str
        Files and folders that may be read (and executed), with everything beneath.
    write_paths : list of str
        Folders where anything may be done (a file: it may be written).
    opened_read : list of (int, bool)
        More that may be read, already open (``open_paths``): the descriptor
        and whether it is a folder.  They stay open.
    """
    abi = landlock_abi()
    if abi < 1 or _LIBC is None:
        return -1
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
        return -1
    for prepared in prepare_rules(opened_read, handled):
        _LIBC.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, prepared, 0)
    return _add_paths(int(ruleset), read_paths, write_paths, handled)


def add_paths(ruleset: int, read_paths: list[str], write_paths: list[str]) -> int:
    """``ruleset`` (``landlock_ruleset``'s, not applied yet), also reading ``read_paths`` and writing ``write_paths``.

    A sandbox server builds its rulesets with Python's paths while it waits for
    its request, and adds the request's own folders here once it has it: the
    rules a ruleset holds do not depend on the order they came in.  A ruleset
    of -1 (no Landlock) stays -1.
    """
    if ruleset < 0 or _LIBC is None:
        return -1
    return _add_paths(ruleset, read_paths, write_paths, _fs_rights(landlock_abi()))


def _add_paths(ruleset: int, read_paths: list[str], write_paths: list[str], handled: int) -> int:
    """Add a rule per path that exists to ``ruleset``, whose handled rights are ``handled``; the ruleset."""
    assert _LIBC is not None  # both callers have a ruleset, made through it
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
    return ruleset


def restrict(ruleset: int) -> bool:
    """Apply ``ruleset`` to this process (and its future children) for good; whether it took effect."""
    if ruleset < 0 or _LIBC is None:
        return False
    if _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(_LIBC.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0)


def landlock(
    read_paths: list[str],
    write_paths: list[str],
    *,
    opened_read: Sequence[tuple[int, bool]] = (),
    ruleset: int | None = None,
) -> int:
    """Restrict this process (and its future children) for good.

    Parameters
    ----------
    read_paths : list of str
        Files and folders that may be read (and executed), with everything beneath.
    write_paths : list of str
        Folders where anything may be done.
    opened_read : list of (int, bool)
        More that may be read, already open (see ``landlock_ruleset``).
    ruleset : int, optional
        A ruleset built before (``landlock_ruleset``, not applied yet) to add
        the paths to, instead of a new one; closed here as well.

    Returns
    -------
    int
        The Landlock ABI used, 0 when Landlock is unavailable (nothing changed).
    """
    if ruleset is None:
        ruleset = landlock_ruleset(read_paths, write_paths, opened_read=opened_read)
    else:
        ruleset = add_paths(ruleset, read_paths, write_paths)
    if ruleset < 0:
        return 0
    try:
        return landlock_abi() if restrict(ruleset) else 0
    finally:
        os.close(ruleset)


# --- privileges ------------------------------------------------------------------------------


def last_capability() -> int:
    """The highest capability number this kernel knows (read it before /proc is out of reach)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 63


def drop_privileges(become_sandbox_user: bool, highest: int | None = None) -> None:
    """Give up every privilege for good (``capabilities()`` tells what is left).

    The bounding and ambient sets first (dropping from the bounding set needs
    CAP_SETPCAP); then, with ``become_sandbox_user`` and as root, the
    unprivileged user ``nobody``/``nogroup`` with no supplementary groups (which
    empties the permitted and effective sets); last, every remaining set is
    emptied.  As root this is what keeps ``sethostname``, ``mount``, raising
    limits and reading other users' files out of the learner's reach.
    """
    if _LIBC is None:
        return
    for capability in range((last_capability() if highest is None else highest) + 1):
        _LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    _LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if become_sandbox_user and os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    header, data = _NO_CAPABILITIES
    _LIBC.capset(header, data)


def capabilities() -> dict[str, int]:
    """The capability sets of this process, from ``/proc/self/status`` (empty where there is none)."""
    found = {}
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
                    found[name] = int(value.strip(), 16)
    except (OSError, ValueError):
        return {}
    return found


def readable_by_others(paths: list[str]) -> bool:
    """Whether a user other than the owner can reach and read every one of ``paths``.

    The sandbox user can only be used when it can import the standard library
    and NumPy: a Python installed under ``/root`` (pyenv, conda) can not be.
    """
    for path in paths:
        current = os.path.abspath(path)
        while True:
            try:
                mode = os.stat(current).st_mode
            except OSError:
                return False
            needed = stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH
            if current == os.path.abspath(path) and stat.S_ISDIR(mode):
                needed |= stat.S_IROTH
            if not mode & needed:
                return False
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return True


def hard_limits(limits: dict[int, int]) -> None:
    """Set each resource limit as both soft and hard limit (never above the current hard one).

    A soft limit alone can be raised again by the process itself up to the
    hard one: learner code would simply lift it.
    """
    for which, value in limits.items():
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


# --- seccomp ---------------------------------------------------------------------------------

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
# System calls no exercise needs.  Numbers from the kernel's asm/unistd_64.h (x86_64) and
# asm-generic/unistd.h (aarch64); tests/grader/test_confinement.py compares them with the
# headers where they are installed.
DENIED = {
    "x86_64": {
        "ptrace": 101, "syslog": 103, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168,
        "reboot": 169, "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
        "create_module": 174, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "quotactl": 179, "quotactl_fd": 443, "nfsservctl": 180, "acct": 163, "settimeofday": 164,
        "adjtimex": 159, "clock_settime": 227, "clock_adjtime": 305, "pivot_root": 155, "chroot": 161,
        "_sysctl": 156, "kexec_load": 246, "kexec_file_load": 320, "keyctl": 250, "add_key": 248,
        "request_key": 249, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "unshare": 272,
        "setns": 308, "lookup_dcookie": 212, "open_by_handle_at": 304, "name_to_handle_at": 303,
        "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "fanotify_init": 300,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "mknod": 133,
        "mknodat": 259, "vhangup": 153, "uselib": 134, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "move_mount": 429, "open_tree": 428, "fspick": 433, "mount_setattr": 442, "memfd_create": 319,
        "memfd_secret": 447, "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65,
        "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "execve": 59, "execveat": 322,
        "fork": 57, "vfork": 58, "process_madvise": 440, "pidfd_getfd": 438, "move_pages": 279,
        "migrate_pages": 256, "socket": 41,
    },
    "aarch64": {
        "ptrace": 117, "syslog": 116, "mount": 40, "umount2": 39, "swapon": 224, "swapoff": 225,
        "reboot": 142, "sethostname": 161, "setdomainname": 162, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "quotactl": 60, "quotactl_fd": 443, "nfsservctl": 42, "acct": 89,
        "settimeofday": 170, "adjtimex": 171, "clock_settime": 112, "clock_adjtime": 266,
        "pivot_root": 41, "chroot": 51, "kexec_load": 104, "kexec_file_load": 294, "keyctl": 219,
        "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "unshare": 97, "setns": 268, "lookup_dcookie": 18, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272,
        "fanotify_init": 262, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "mknodat": 33, "vhangup": 58, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "move_mount": 429,
        "open_tree": 428, "fspick": 433, "mount_setattr": 442, "memfd_create": 279, "memfd_secret": 447,
        "shmget": 194, "shmat": 196, "shmctl": 195, "semget": 190, "semop": 193, "semtimedop": 192,
        "msgget": 186, "msgsnd": 189, "msgrcv": 188, "execve": 221, "execveat": 281,
        "process_madvise": 440, "pidfd_getfd": 438, "move_pages": 239, "migrate_pages": 238, "socket": 198,
    },
}  # fmt: skip
# No new processes and no new threads (no exercise needs either, and a storm of them would reach
# beyond the sandbox's memory limit: as root, RLIMIT_NPROC is never enforced): clone fails with
# EPERM, clone3 with ENOSYS so that the C library tries clone; prlimit64 only on the process itself.
CONDITIONAL = {
    "x86_64": {"clone": 56, "clone3": 435, "prlimit64": 302},
    "aarch64": {"clone": 220, "clone3": 435, "prlimit64": 261},
}

_BPF_LD_W_ABS = 0x20
_BPF_JA = 0x05
_BPF_JEQ = 0x15
_BPF_JGE = 0x35
_BPF_RET = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_EPERM = 1
_ENOSYS = 38


def _seccomp_program(machine: str) -> list[tuple[int, int, int, int]]:
    """The BPF program: (code, jump if true, jump if false, k) per instruction."""
    denied = sorted(set(DENIED[machine].values()))
    special = CONDITIONAL[machine]
    program: list[tuple[int, int, int, int]] = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ, 1, 0, AUDIT_ARCH[machine]),
        (_BPF_RET, 0, 0, _RET_KILL_PROCESS),
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":  # the x32 ABI shares the arch value: refuse its numbers outright
        program.append((_BPF_JGE, 0, 1, 0x40000000))
        program.append((_BPF_RET, 0, 0, _RET_ERRNO | _EPERM))
    # every denied number jumps to the EPERM return placed right after the list
    for index, number in enumerate(denied):
        program.append((_BPF_JEQ, len(denied) - index, 0, number))
    program.append((_BPF_JA, 0, 0, 1))  # none of them: skip the EPERM return
    program.append((_BPF_RET, 0, 0, _RET_ERRNO | _EPERM))
    program += [
        (_BPF_JEQ, 0, 1, special["clone3"]),
        (_BPF_RET, 0, 0, _RET_ERRNO | _ENOSYS),
        (_BPF_JEQ, 0, 1, special["clone"]),
        (_BPF_RET, 0, 0, _RET_ERRNO | _EPERM),
        (_BPF_JEQ, 0, 5, special["prlimit64"]),
        (_BPF_LD_W_ABS, 0, 0, 16),  # args[0]: the pid, 0 = this process
        (_BPF_JEQ, 0, 2, 0),
        (_BPF_LD_W_ABS, 0, 0, 20),
        (_BPF_JEQ, 1, 0, 0),
        (_BPF_RET, 0, 0, _RET_ERRNO | _EPERM),
        (_BPF_RET, 0, 0, _RET_ALLOW),
    ]
    return program


def seccomp_available() -> bool:
    """Whether this machine's architecture has a filter here (Linux x86_64 or aarch64)."""
    return _LIBC is not None and _MACHINE in DENIED


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# per machine: the program's bytes and the sock_fprog that points at them
_FILTERS: dict[str, tuple[ctypes.Array[ctypes.c_char], _SockFprog]] = {}


def prepare_seccomp() -> None:
    """Build the filter program now (a server does, so that each forked worker only applies it)."""
    machine = _MACHINE
    if seccomp_available() and machine not in _FILTERS:
        program = _seccomp_program(machine)
        raw = b"".join(struct.pack("HBBI", code, true, false, k) for code, true, false, k in program)
        buffer = ctypes.create_string_buffer(raw, len(raw))
        _FILTERS[machine] = buffer, _SockFprog(len(buffer) // 8, ctypes.addressof(buffer))


def seccomp() -> bool:
    """Install the filter for this process and its future threads; whether it was installed.

    The program is built once per process and kept (a forked worker applies the
    one its server built).
    """
    if not seccomp_available():
        return False
    prepare_seccomp()
    _buffer, fprog = _FILTERS[_MACHINE]
    if _LIBC is None or _LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(_LIBC.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0)


def describe() -> dict[str, object]:
    """What this machine offers, for the README's security section and the tests."""
    return {
        "system": _SYSTEM,
        "landlock_abi": landlock_abi(),
        "root": hasattr(os, "geteuid") and os.geteuid() == 0,
        "seccomp": seccomp_available(),
    }
