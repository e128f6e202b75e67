"""Start a sandbox server process: its scratch folder, its NumPy folder, its environment.

The grading server (``grader.daemon``) starts its sandbox zygote before it
imports anything else of the grader, so that the zygote loads NumPy on one core
while the grading server loads the CLI, the engine and NumPy on the other.
This module is that first step, and therefore light: the standard library only,
and none of its slower modules (no ``pathlib``, ``tempfile``, ``shutil`` or
``dataclasses`` before the zygote is on its way).  ``client.py`` starts every
sandbox server through it, so a zygote started early is started exactly as any
other.  A grading run in the command's own process starts its sandbox server
early the same way (``start_early``), before it loads the CLI.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

CHILD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
# ``server.py`` run as ``__main__`` through its bytecode cache (``__pycache__``), as an import would: run as a
# script, Python compiles its 1,500 lines again in every sandbox server and zygote (10-20 ms of CPU each).
# ``sys.argv`` is as a script's (``sys.argv[0]`` is ``-c``), and ``-I`` puts no folder of ours on ``sys.path``.
BOOT = (
    "import importlib.util, sys\n"
    f"spec = importlib.util.spec_from_file_location('__main__', {CHILD_SCRIPT!r})\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules['__main__'] = module\n"
    "spec.loader.exec_module(module)\n"
)
_STALE = re.compile(r"^grade-(?:pool-)?(\d+)-")


class Started:
    """A server started ahead of its user (a zygote, for its ``SandboxPool``; a server, for its ``Sandbox``).

    Its folder, its process, and whether it confines.
    """

    def __init__(self, work_dir: str, process: subprocess.Popen[bytes], confine: bool) -> None:
        self.work_dir = work_dir
        self.process = process
        self.confine = confine

    def end(self) -> None:
        """Kill the server (and whatever it started), and delete its folder."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # (a session of its own: its group is its pid)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        import shutil

        shutil.rmtree(self.work_dir, ignore_errors=True)


_EARLY: list[Started] = []  # the server ``start_early`` started, until a Sandbox takes it or ``end_early``


def start_early() -> None:
    """Start a sandbox server now, for this process's next ``Sandbox`` without a pool (``take_early``).

    A grading run in the command's own process (``grader.launch``) starts it
    before it loads the CLI: the server loads NumPy (some 60 ms) meanwhile,
    on the other core, where it used to start only once the CLI, the engine and
    the exercise were loaded.  When it can not start, the Sandbox starts its
    own (and says what is wrong); one no Sandbox took is ended by ``end_early``.
    """
    try:
        _EARLY.append(_start("grade", confine_by_default(), zygote=False))
    except OSError:
        return


def take_early(confine: bool) -> Started | None:
    """The server ``start_early`` started, when it runs and confines as ``confine`` says; else None (it is ended)."""
    if not _EARLY:
        return None
    started = _EARLY.pop()
    if started.confine == confine and started.process.poll() is None:
        return started
    started.end()
    return None


def end_early() -> None:
    """End a server ``start_early`` started that no Sandbox took (the command did not grade after all)."""
    while _EARLY:
        _EARLY.pop().end()


def confine_by_default() -> bool:
    """GRADE_NO_CONFINE=1 turns off namespaces and Landlock (for debugging, never for grading)."""
    return os.environ.get("GRADE_NO_CONFINE", "") not in ("1", "true", "yes")


def numpy_lib_dir(work_dir: str) -> str:
    """Make a directory that holds NumPy (and nothing else of site-packages)."""
    import importlib.util

    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        from grader.errors import SandboxError

        raise SandboxError("NumPy is not installed; run: pip install numpy")
    package = os.path.dirname(os.path.realpath(spec.origin))
    lib = os.path.join(work_dir, "lib")
    os.mkdir(lib)
    os.symlink(package, os.path.join(lib, "numpy"))
    vendored = os.path.join(os.path.dirname(package), "numpy.libs")
    if os.path.isdir(vendored):
        os.symlink(vendored, os.path.join(lib, "numpy.libs"))
    return lib


def scratch_root() -> str:
    """Where probe files go: memory-backed /dev/shm when there is one, else the temp dir.

    A probe writes a dozen small files; on a disk file system each create costs
    about a millisecond, on tmpfs a few microseconds.
    """
    chosen = os.environ.get("GRADE_TMPDIR")
    if chosen:
        return chosen
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    import tempfile

    return tempfile.gettempdir()


def scratch_dir(prefix: str) -> str:
    """A fresh scratch folder (mode 0700) named after this process, after sweeping away dead ones.

    A grader killed with SIGKILL (or a power cut) can not delete its folder; on
    tmpfs that would hold memory until reboot, so the next run removes every
    folder whose process is gone.
    """
    root = os.path.abspath(scratch_root())
    for pid, path in _scratch_folders(root):
        if not alive(pid):
            import shutil

            shutil.rmtree(path, ignore_errors=True)
    # as tempfile.mkdtemp: a random name, made by mkdir (which never follows a link planted in a shared
    # /dev/shm or /tmp), tried again only if someone else's folder has that name
    for _ in range(100):
        path = os.path.join(root, f"{prefix}-{os.getpid()}-{os.urandom(6).hex()}")
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free scratch folder name in {root}")


def _scratch_folders(root: str) -> list[tuple[int, str]]:
    """The scratch folders in ``root`` (``grade-PID-...``, ``grade-pool-PID-...``), with the pid that made each."""
    try:
        entries = os.listdir(root)
    except OSError:
        return []
    found = []
    for name in entries:
        match = _STALE.match(name)
        path = os.path.join(root, name)
        if match and os.path.isdir(path) and not os.path.islink(path):
            found.append((int(match.group(1)), path))
    return found


def remove_own_folders() -> None:
    """Delete every scratch folder this process made: for a process on its way out (the grading server on SIGTERM).

    What a grading or a pool of this process's still holds there (the learner's
    files, results, a pool's inputs) is of no use once it has gone, and would
    hold memory in /dev/shm until the next run swept it.
    """
    import shutil

    own = os.getpid()
    for pid, path in _scratch_folders(os.path.abspath(scratch_root())):
        if pid == own:
            shutil.rmtree(path, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def child_environment() -> dict[str, str]:
    """The few variables a sandbox server gets; one BLAS thread (a worker may not start threads)."""
    keep = ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def spawn_server(work_dir: str, confine: bool, *, zygote: bool = False) -> subprocess.Popen[bytes]:
    """Start a sandbox server (or, with ``zygote``, a pool's zygote) in ``work_dir``.

    It loads NumPy and then waits for its manifest (or requests) on stdin.  A
    zygote's stderr is discarded: nobody reads it while it lives, and a full pipe
    would block it.
    """
    lib = numpy_lib_dir(work_dir)
    flags = (["--zygote"] if zygote else []) + ([] if confine else ["--no-confine"])
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", BOOT, lib, *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if zygote else subprocess.PIPE,
        cwd=work_dir,
        env=child_environment(),
        start_new_session=True,
    )


def start_zygote(confine: bool | None = None) -> Started:
    """A pool's zygote, started now (for a ``SandboxPool(started=...)`` made later)."""
    return _start("grade-pool", confine_by_default() if confine is None else confine, zygote=True)


def _start(prefix: str, confine: bool, *, zygote: bool) -> Started:
    """A server (or zygote) started now in a fresh scratch folder, which goes with it when it can not start."""
    work_dir = scratch_dir(prefix)
    try:
        return Started(work_dir, spawn_server(work_dir, confine, zygote=zygote), confine)
    except BaseException:
        import shutil

        shutil.rmtree(work_dir, ignore_errors=True)
        raise
