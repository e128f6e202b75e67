"""The ``grade`` command's front door: send a grading to the warm server, or run the CLI here.

``grade exercise N`` and ``grade hint N`` inside a workspace go to a grading
server of this user and workspace (``grader.daemon``), started by the first such
command and kept warm: NumPy, the checks and a sandbox zygote are loaded once.
This module imports only the standard library, so the client costs a bare
interpreter start: it sends the command line, the current folder, the
environment and its own standard streams (passed as file descriptors, so the
terminal, colours and questions behave as in a local run), then exits with the
server's exit status.  Everything else, and every case where the server can
not be used, runs ``grader.cli`` in this process as before.

The server listens on a Unix socket (mode 0600) in ``$XDG_RUNTIME_DIR/dlgrade/``,
else ``/tmp/dlgrade-<uid>/`` (a folder of mode 0700 owned by the user; another
user's folder is refused), named after the workspace's real path.  A server of
another grader version (``client_key``), or whose sources changed since it
started (it watches them), stops, and a fresh one is started; a dead server is
replaced.  ``--no-server`` or ``DLGRADE_NO_SERVER=1``
grade in this process.
"""

from __future__ import annotations

import gc
import os
import stat
import sys
import time

# C modules under the standard ones: socket.py builds enums of every constant and imports selectors,
# about 5 ms of a client's start; _socket's type is the base of socket.socket, with the same methods
from _signal import SIGCONT, SIGINT, SIGKILL, SIGPIPE, SIGTERM, SIGXFSZ
from _socket import AF_UNIX, CMSG_LEN, SCM_RIGHTS, SHUT_WR, SO_PEERCRED, SOCK_STREAM, SOL_SOCKET
from _socket import socket as _socket_type
from _struct import Struct, pack, unpack  # struct's C module, which the struct module only re-exports

try:  # the built-in module: importing hashlib loads OpenSSL's, which costs a client a few milliseconds
    from _sha256 import sha256
except ImportError:  # an interpreter built without it
    from hashlib import sha256

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads the name the same way)
if TYPE_CHECKING:  # started only when no server runs: not imported on the way to a warm one
    import subprocess
    from collections.abc import Callable, Iterator

SERVER_COMMANDS = ("exercise", "hint")
NO_SERVER_FLAG = "--no-server"
START_SECONDS = 10.0  # how long a client waits for a server it started to listen
BUSY_NOTICE_SECONDS = 1.0  # a client kept waiting this long by its server (busy, or stopped) says why
MESSAGE_LIMIT = 1 << 20
SOCKET_PATH_LIMIT = 107
SERVER_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_PEER = Struct("3i")  # struct ucred: pid, uid, gid
_INT = Struct("i")  # one descriptor in an SCM_RIGHTS message


class ServerUnavailable(Exception):
    """The server could not take the request before it began: grade in this process instead."""


class Refused(ServerUnavailable):
    """The server is there but can not run this request (its folder, say): grade in this process, start none."""


def run() -> None:
    """Entry point of the ``grade`` command."""
    argv = sys.argv[1:]
    workspace = server_workspace(argv, os.environ)
    if workspace is not None:
        folder = runtime_dir()
        if folder is not None:
            try:
                status = send(folder, workspace, argv)
            except KeyboardInterrupt:  # before the server began: nothing ran
                os._exit(130)
            if status is not None:
                os._exit(status)
    if argv and argv[0] in SERVER_COMMANDS:
        # one grading (or hint) in this process, which then ends: the cycles it leaves are not worth the
        # collector's passes while NumPy, the CLI and the checks load (7-12 ms of a grading without the server)
        gc.disable()
    grading_process_start(grades=bool(argv) and argv[0] in SERVER_COMMANDS and not _asks_for_help(argv))
    from grader.cli import run as run_here

    run_here()


def grading_process_start(*, grades: bool) -> None:
    """What a process that grades in itself does before it loads the grader; ``grading_process_end`` at its end.

    ``run`` does it for a command run here, and so does the process that grades
    a notebook's ``check()`` (``grader.notebook.kernel``).  One BLAS thread; with
    ``grades``, the grading's sandbox server started now, to load NumPy while
    this process loads the grader (``spawn.start_early``); the kept code of the
    grader's classes.
    """
    one_blas_thread(os.environ)
    if grades:
        from grader.sandbox import spawn

        spawn.start_early()
    keep_class_code()


def grading_process_end() -> None:
    """End a sandbox server started for a grading that did not happen, and keep what this process compiled."""
    from grader import classcode

    if "grader.sandbox.spawn" in sys.modules:  # not loaded: it started none (and importing it loads subprocess)
        from grader.sandbox import spawn

        spawn.end_early()
    classcode.save()


def _options(argv: list[str]) -> list[str]:
    """The options and arguments of ``grade ARGV``'s command, up to a ``--``."""
    return argv[1 : argv.index("--")] if "--" in argv else argv[1:]


def _asks_for_help(argv: list[str]) -> bool:
    """Whether ``grade ARGV`` asks for a command's help (which grades nothing)."""
    options = _options(argv)
    return "-h" in options or "--help" in options


def one_blas_thread(environ: dict[str, str] | os._Environ[str]) -> None:
    """One BLAS thread in ``environ``: a command run here's, and the grading server's (the sandbox has one too).

    Before NumPy loads: OpenBLAS starts a thread per core, which spins while
    NumPy imports and the checks are built (about 65 ms of CPU), on the core the
    sandbox's server needs to load NumPy meanwhile.  The grader's own arrays are
    small (the learner's code runs in the sandbox, with one thread of its own),
    and one thread sums in one order: what the reference computes is the same
    bits on every route.
    """
    environ.update(dict.fromkeys(SERVER_THREAD_VARIABLES, "1"))


def keep_class_code() -> None:
    """Have this process's dataclasses run the code earlier commands of the user's compiled (``grader.classcode``).

    For a command that runs here: its classes' methods are compiled once, by
    the first such command, and kept in the user's private folder (where the
    grading servers live); ``grading_process_end`` saves what it compiled.
    Nothing is kept without such a folder.
    """
    for folder in candidate_dirs():
        if _private_folder(folder):
            from grader import classcode

            classcode.install(os.path.join(folder, classcode.file_name()), merge=True)
            return


# --- where and when ---------------------------------------------------------------------------------


def server_workspace(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The workspace whose server should run ``argv``, or None to run it in this process."""
    if not argv or argv[0] not in SERVER_COMMANDS:
        return None
    if environ.get("DLGRADE_NO_SERVER", "").strip().lower() not in ("", "0", "false", "no"):
        return None
    if NO_SERVER_FLAG in _options(argv) or _asks_for_help(argv):
        return None
    try:  # a closed standard stream can not be passed on: the command runs here and says what it says
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return None
    if sys.stdin is None or sys.stdout is None or sys.stderr is None:
        return None
    try:
        start = os.path.realpath(os.getcwd())
    except OSError:  # the current folder was deleted
        return None
    return find_workspace(start)


def find_workspace(start: str) -> str | None:
    """The nearest folder at or above ``start`` with an ``exercises/`` folder (as grader.learner.workspace)."""
    folder = start
    while True:
        if os.path.isdir(os.path.join(folder, "exercises")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _private_folder(path: str) -> bool:
    """Make ``path`` (mode 0700) if missing; True when it is a real folder of this user that nobody else can use."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        found = os.lstat(path)
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
            return False  # a link, a file, or another user's folder (made to catch our sockets)
        if stat.S_IMODE(found.st_mode) & 0o077:
            os.chmod(path, 0o700)  # ours, but opened up (by hand, or a umask at creation): closed again
    except OSError:
        return False
    return True


def candidate_dirs(environ: dict[str, str] | os._Environ[str] | None = None) -> list[str]:
    """Where the user's servers may live, in order of preference."""
    environ = os.environ if environ is None else environ
    found = []
    base = environ.get("XDG_RUNTIME_DIR", "")
    if base and os.path.isabs(base) and os.path.isdir(base):
        found.append(os.path.join(base, "dlgrade"))
    found.append(f"/tmp/dlgrade-{os.getuid()}")
    return found


def runtime_dir() -> str | None:
    """The user's private folder for servers; None (grade in this process) when none is safe."""
    for folder in candidate_dirs():
        # a socket's path holds at most 107 bytes: a deep XDG_RUNTIME_DIR is passed over
        if len(os.fsencode(socket_path(folder, "/"))) <= SOCKET_PATH_LIMIT and _private_folder(folder):
            return folder
    print(
        f"grade: not using the grading server: {candidate_dirs()[-1]} is not a private folder of yours; "
        "grading in this process",
        file=sys.stderr,
    )
    return None


def socket_path(folder: str, workspace: str) -> str:
    """The socket of ``workspace``'s server in ``folder``."""
    return os.path.join(folder, _name(workspace) + ".sock")


def log_path(folder: str, workspace: str) -> str:
    """The log of ``workspace``'s server."""
    return os.path.join(folder, _name(workspace) + ".log")


def _name(workspace: str) -> str:
    return sha256(os.fsencode(workspace)).hexdigest()[:32]


def sources_fingerprint(folders: list[str]) -> bytes:
    """A digest of every file's path, size and modification time under ``folders`` (bytecode caches left out).

    A file's link counts as its target's size and time.
    """
    digest = sha256()
    for top in folders:
        for _folder, files in walk_sources(top):
            for entry in files:
                try:
                    found = entry.stat()
                except OSError:
                    continue
                digest.update(f"{entry.path}\0{found.st_size}\0{found.st_mtime_ns}\n".encode())
    return digest.digest()


def walk_sources(folder: str) -> Iterator[tuple[str, list[os.DirEntry[str]]]]:
    """``folder`` and each folder below it with its files, as ``os.walk`` goes (each sorted by name).

    What the sources' fingerprint reads, and the grading server watches
    (``grader.sourcewatch``): bytecode caches left out, folder links not
    followed.  ``os.scandir`` directly: ``os.walk`` and a ``stat`` by path cost
    a third more (the same system calls, more Python).
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return
    files, subfolders = [], []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if entry.name != "__pycache__":
                subfolders.append(entry)
        elif not entry.name.endswith((".pyc", ".pyo")):
            files.append(entry)
    yield folder, files
    for entry in subfolders:
        if not entry.is_symlink():
            yield from walk_sources(entry.path)


def _package() -> str:
    """The folder of the ``grader`` package in use."""
    import grader

    return os.path.dirname(os.path.abspath(grader.__file__))


def _identity() -> tuple[str, bytes]:
    """The grader's version, and what identifies this grader besides its sources."""
    import grader

    package = _package()
    confine = os.environ.get("GRADE_NO_CONFINE", "") not in ("1", "true", "yes")
    interpreter = f"{os.path.realpath(sys.executable)}\0{sys.prefix}"  # python and python3 of one venv: one key
    return grader.__version__, f"{grader.__version__}\0{interpreter}\0{package}\0{confine}\n".encode()


def grader_source_folders() -> list[str]:
    """The folders of the grader's sources: its package, and the reference and hints beside it."""
    package = _package()
    root = os.path.dirname(package)
    return [package, os.path.join(root, "reference"), os.path.join(root, "hints")]


def client_key() -> str:
    """The grader's version, interpreter, package folder and confinement setting, as one digest: a client's key.

    A server answers only clients of its own key (another grader version or
    interpreter, or another confinement setting, starts a fresh server), and
    only while its sources are as they were when it started: the server
    watches them itself (``grader.sourcewatch``), so a changed check, hint or
    reference file starts a fresh server too, and a client reads none of them.
    The learner's own files are not part of it (every grading reads them afresh).
    """
    version, identity = _identity()
    return f"{version}-{sha256(identity).hexdigest()[:24]}"


def version_key() -> str:
    """``client_key``'s digest with the sources' fingerprint (stat only: a few milliseconds): this exact grader.

    What ``grade server status`` shows, and what the kept plans are kept
    under (``grader.sandbox.plans``): a plan of other sources is not run.
    """
    version, identity = _identity()
    digest = sha256(identity)
    digest.update(sources_fingerprint(grader_source_folders()))
    return f"{version}-{digest.hexdigest()[:24]}"


# --- talking to the server --------------------------------------------------------------------------


def _connect(path: str) -> _socket_type:
    """A connection to the server at ``path``, checked to be this user's (``ServerUnavailable`` if none)."""
    try:
        found = os.lstat(path)
    except OSError:
        raise ServerUnavailable("no socket") from None
    if not stat.S_ISSOCK(found.st_mode) or found.st_uid != os.getuid():
        raise ServerUnavailable(f"{path} is not a socket of this user")
    connection = _socket_type(AF_UNIX, SOCK_STREAM)
    try:
        connection.connect(path)
        _pid, uid, _gid = peer(connection)
    except OSError as problem:
        connection.close()
        raise ServerUnavailable(str(problem)) from None
    if uid != os.getuid():
        connection.close()
        raise ServerUnavailable("the server runs as another user")
    return connection


# --- messages ---------------------------------------------------------------------------------------

try:  # json's C half: importing the json package (its regular expressions) costs a client about 3 ms
    import _json
except ImportError:  # an interpreter without it: the json package
    _json = None  # type: ignore[assignment]


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a value of a message")


class _Decoding:
    """What json's C scanner reads of a ``json.JSONDecoder``: plain JSON, no NaN or Infinity."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_no_constant)


_scan = _json.make_scanner(_Decoding()) if _json is not None else None  # type: ignore[arg-type]


def dumps(value: object) -> str:
    """``value`` (str, int, bool, None, finite float, list, tuple, dict of str keys) as ``json.dumps`` writes it."""
    if _json is None:
        import json

        return json.dumps(value, allow_nan=False)
    return _dumps(value)


def _dumps(value: object) -> str:
    if isinstance(value, str):
        # every non-ASCII character escaped, as json.dumps does: a lone surrogate of os.environ survives
        return _json.encode_basestring_ascii(value)
    if value is None or value is True or value is False:
        return "null" if value is None else "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a value of a message")
        return float.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_dumps(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("a message's keys are strings")
        return (
            "{"
            + ", ".join(f"{_json.encode_basestring_ascii(key)}: {_dumps(item)}" for key, item in value.items())
            + "}"
        )
    raise TypeError(f"{type(value).__name__} is not a value of a message")


def loads(data: bytes) -> object:
    """One JSON value (UTF-8, no white space around it) as ``json.loads`` reads it; ``ValueError`` if it is not one.

    NaN and Infinity are refused.
    """
    if _scan is None:
        import json

        return json.loads(data, parse_constant=_no_constant)
    text = data.decode("utf-8")
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        raise ValueError("not a JSON value") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if end != len(text):
        raise ValueError("more than one JSON value")
    return value


def write_message(connection: _socket_type, message: dict[str, object], fds: list[int] | None = None) -> None:
    """Send one message: its length (4 bytes), then JSON; ``fds`` ride along with the first bytes."""
    data = dumps(message).encode()
    framed = pack("!I", len(data)) + data
    if fds:
        rights = pack(f"{len(fds)}i", *fds)
        sent = connection.sendmsg([framed], [(SOL_SOCKET, SCM_RIGHTS, rights)])
    else:
        sent = connection.send(framed)
    if sent < len(framed):
        connection.sendall(framed[sent:])


def _receive_with_fds(connection: _socket_type, size: int, most: int, fds: list[int]) -> bytes:
    """Up to ``size`` bytes, and the descriptors (at most ``most``) sent with them into ``fds``.

    ``socket.recv_fds`` without the socket module (5-10 ms of the server's cold start).
    """
    data, ancillary, _flags, _address = connection.recvmsg(size, CMSG_LEN(most * _INT.size))
    for level, kind, payload in ancillary:
        if level == SOL_SOCKET and kind == SCM_RIGHTS:
            whole = len(payload) - len(payload) % _INT.size
            fds.extend(number for (number,) in _INT.iter_unpack(payload[:whole]))
    return data


class Reader:
    """Length-framed JSON messages from a socket (a message may arrive in pieces)."""

    def __init__(self, connection: _socket_type) -> None:
        self.connection = connection
        self.buffer = b""

    def _fill(self, size: int, fds: list[int] | None = None) -> bool:
        while len(self.buffer) < size:
            if fds is not None and not self.buffer:
                chunk = _receive_with_fds(self.connection, 65536, 3, fds)
            else:
                chunk = self.connection.recv(65536)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def read(self, fds: list[int] | None = None) -> dict[str, object] | None:
        """The next message; None at the end of the stream.  ``fds`` collects descriptors sent with it."""
        if not self._fill(4, fds):
            return None
        (size,) = unpack("!I", self.buffer[:4])
        if size > MESSAGE_LIMIT or not self._fill(4 + size):
            return None
        data, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
        try:
            message = loads(data)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def request(argv: list[str], key: str) -> dict[str, object]:
    """What the server needs to run ``argv`` as this process would."""
    return {
        "op": "run",
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "key": key,
        "umask": _umask(),
        "encoding": [sys.stdout.encoding, sys.stdout.errors, sys.stderr.encoding, sys.stdin.encoding],
    }


class Started:
    """A server process this client started (``os.posix_spawn``): is it still running, and how did it end."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """None while it runs, else its exit status (0: another client's server held the workspace)."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: no longer ours to judge
                self.returncode = 0
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def _inherited_fds() -> list[int] | None:
    """The descriptors from 3 up that a program started here would inherit; None if they can not be listed."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    found = []
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:  # the listing's own descriptor, closed by now
                continue
    return found


def start_server(folder: str, workspace: str) -> Started | subprocess.Popen[bytes] | None:
    """Start the server of ``workspace`` in the background, detached from this process's streams and session."""
    import grader

    root = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
    # never the current folder on the path ('' for -c): the server goes to learners' folders, and a
    # learner's jinja2.py there must not be imported into it; the server goes to ``folder`` first thing
    # -S: no ``site`` (its .pth files run the editable install's finder: ~25 ms of the server's start, before
    # it can start its zygote); what ``site`` gave this process is given instead: its folders (site-packages,
    # .pth folders; never this process's own first entry, the script's folder or for -m the current folder)
    # and a venv's prefix (``client_key`` counts it)
    given = [path for path in sys.path[0 if sys.flags.safe_path else 1 :] if os.path.isabs(path)]
    # the collector off from the first import on (grader.daemon.Server.settle turns it on again)
    code = (
        f"import gc, sys; gc.disable(); sys.path[:] = dict.fromkeys([{root!r}, *filter(None, sys.path), *{given!r}]); "
        f"sys.prefix, sys.exec_prefix = {sys.prefix!r}, {sys.exec_prefix!r}; from grader.daemon import main; main()"
    )
    argv = [sys.executable, "-S", "-c", code, folder, workspace, repr(time.monotonic())]
    # one BLAS thread: the server's own arrays are small, and OpenBLAS's threads spin at NumPy's import
    # (~60 ms of CPU on the cold start's critical path, beside the zygote's import on the other core)
    environ = dict(os.environ)
    one_blas_thread(environ)
    inherited = _inherited_fds()
    if inherited is not None and hasattr(os, "posix_spawn"):
        # no subprocess module (about 8 ms of a cold start's client); the same detachment: /dev/null for
        # streams, no other descriptor, a session of its own
        actions: list[tuple[object, ...]] = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_DUP2, 1, 2),
            *((os.POSIX_SPAWN_CLOSE, fd) for fd in inherited),
        ]
        try:
            # Ctrl-C of a grading reaches the server as SIGINT (daemon.Interrupter): not ignored there even
            # when this client was started with it ignored (``grade ... &`` in a script)
            default = (SIGINT, SIGPIPE, SIGXFSZ)
            pid = os.posix_spawn(sys.executable, argv, environ, file_actions=actions, setsid=True, setsigdef=default)
            return Started(pid)
        except OSError:  # no process could be started: graded in the client's own process
            return None
    import subprocess

    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            cwd=folder,
            env=environ,
        )
    except OSError:  # no process could be started: graded in the client's own process
        return None


def _wait_for_server(path: str, started: Started | subprocess.Popen[bytes] | None) -> _socket_type:
    """A connection to the server once it listens; ``started`` (the one this client started) failing ends the wait."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return _connect(path)
        except ServerUnavailable:
            # exit status 0: another client's server holds the workspace, and will listen soon
            if time.monotonic() > deadline or (started is not None and started.poll() not in (None, 0)):
                raise
            time.sleep(0.01)


def send(folder: str, workspace: str, argv: list[str]) -> int | None:
    """Run ``argv`` on ``workspace``'s server (started when needed); its exit status, None to run it here.

    A server that is missing, dead, stale or of another version is replaced
    once; if that does not work either, the caller grades in its own process.
    Once the server has begun the command, it is never run a second time: a
    server that dies then is reported, with exit status 3.
    """
    path = socket_path(folder, workspace)
    key = ""  # computed once connected: a server to start is started a little sooner
    started = None
    for attempt in range(2):
        try:
            connection = _connect(path) if attempt == 0 else _wait_for_server(path, started)
        except ServerUnavailable:
            if attempt == 0:
                started = start_server(folder, workspace)
                if started is None:
                    return None
                continue
            return None
        try:
            key = key or client_key()
            return _run_on(connection, argv, key)
        except Refused:
            return None
        except ServerUnavailable:
            if attempt == 0:
                started = start_server(folder, workspace)
                if started is None:
                    return None
        finally:
            connection.close()
    return None


def _run_on(connection: _socket_type, argv: list[str], key: str) -> int:
    try:
        write_message(connection, request(argv, key), [0, 1, 2])
    except OSError as problem:
        raise ServerUnavailable(str(problem)) from None
    reader = Reader(connection)
    try:
        answer = _read_waiting(connection, reader, lambda pid, state: _waiting_notice(pid, state, argv))
    except OSError:
        answer = None
    if answer is not None and "error" in answer:
        raise Refused(str(answer["error"]))
    if answer is None or answer.get("started") is not True:
        raise ServerUnavailable(str(answer))  # stale (another version) or dying: nothing was run
    try:
        try:
            done = reader.read()
        except KeyboardInterrupt:
            # the server stops the grading as Ctrl-C would stop a local one, and says how it ended
            connection.shutdown(SHUT_WR)
            done = reader.read()
    except OSError:
        done = None
    status = done.get("exit") if done is not None else None
    if not isinstance(status, int) or isinstance(status, bool):
        print(
            "grade: the grading server stopped before it finished; run the command again "
            "(or add --no-server to grade without it)",
            file=sys.stderr,
        )
        return 3
    return status


# --- grade server status | stop ----------------------------------------------------------------------


def ask(path: str, op: str, busy: Callable[[int, str], bool] | None = None) -> dict[str, object] | None:
    """Send ``op`` (status, stop) to the server at ``path``; its answer, or None when no server answers.

    A server answers once the grading it runs has ended.  With ``busy``, one
    that has not answered after ``BUSY_NOTICE_SECONDS`` is handed to
    ``busy(pid, state)`` (``state``: "T" for a process stopped by a signal,
    see ``process_state``): True waits on for its answer, False gives up and
    returns ``{"busy": pid, "state": state}``.
    """
    try:
        connection = _connect(path)
    except ServerUnavailable:
        return None
    try:
        write_message(connection, {"op": op})
        reader = Reader(connection)
        return reader.read() if busy is None else _read_waiting(connection, reader, busy)
    except _GaveUp as busy_server:
        return {"busy": busy_server.pid, "state": busy_server.state}
    except OSError:
        return None
    finally:
        connection.close()


class _GaveUp(Exception):
    """Whoever waited for a busy server's answer stopped waiting: the server's pid and state."""

    def __init__(self, pid: int, state: str) -> None:
        super().__init__(pid, state)
        self.pid = pid
        self.state = state


def _read_waiting(
    connection: _socket_type, reader: Reader, waiting: Callable[[int, str], bool]
) -> dict[str, object] | None:
    """The server's next message; ``waiting(pid, state)`` once it kept us ``BUSY_NOTICE_SECONDS`` (False: ``_GaveUp``).

    The server serves one request at a time: a client that comes while it
    grades is answered once that grading ends, and a server stopped by a
    signal (SIGSTOP, a debugger) answers nobody until it goes on.
    """
    connection.settimeout(BUSY_NOTICE_SECONDS)
    try:
        return reader.read()
    except TimeoutError:  # what arrived so far stays in the reader's buffer
        pass
    finally:
        connection.settimeout(None)
    pid = peer(connection)[0]
    state = process_state(pid)
    if not waiting(pid, state):
        raise _GaveUp(pid, state)
    return reader.read()


def peer(connection: _socket_type) -> tuple[int, int, int]:
    """The pid, uid and gid of the process at the other end of ``connection``, as the kernel says.

    For a client, the server that listens; for the server, the client that connected.
    """
    pid, uid, gid = _PEER.unpack(connection.getsockopt(SOL_SOCKET, SO_PEERCRED, _PEER.size))
    return pid, uid, gid


def process_state(pid: int) -> str:
    """The state letter of process ``pid`` ("R", "S", "T" stopped by a signal, "t" by a debugger...); "" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[-1].split()
    except OSError:  # gone, or no /proc (macOS)
        return ""
    return fields[0].decode("ascii", errors="replace") if fields else ""


def stopped(state: str) -> bool:
    """Whether a process in ``state`` (``process_state``) is stopped: it runs nothing until it is continued."""
    return state in ("T", "t")


def _language(argv: list[str]) -> str:
    """The language of ``argv``'s feedback: its ``--lang``, else the locale's (as the CLI chooses)."""
    from grader.text import LANGUAGES, default_language

    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith("--lang="):
            value = word.removeprefix("--lang=")
        else:
            continue
        if value in LANGUAGES:
            return value
    return default_language()


def _waiting_notice(pid: int, state: str, argv: list[str]) -> bool:
    """Say on standard error why the server keeps this client waiting; go on waiting (Ctrl-C stops)."""
    from grader.text import Text

    if stopped(state):
        notice = Text(
            "grade: the grading server of this workspace (pid {pid}) is stopped by a signal (SIGSTOP, or a "
            "debugger): `kill -CONT {pid}` lets it go on, `grade server stop` ends it. Waiting for it; "
            "Ctrl-C stops waiting, --no-server grades without the server",
            "grade: このワークスペースの採点サーバー (pid {pid}) はシグナル(SIGSTOP やデバッガ)で一時停止しています。"
            "`kill -CONT {pid}` で再開、`grade server stop` で終了できます。再開を待っています。"
            "Ctrl-C で待つのをやめます。--no-server を付けるとサーバーなしで採点します",
        )
    else:
        notice = Text(
            "grade: the grading server of this workspace (pid {pid}) is busy with another grading; yours "
            "starts when that one ends. Ctrl-C stops waiting, --no-server grades without the server",
            "grade: このワークスペースの採点サーバー (pid {pid}) は別の採点の途中です。それが終わると、"
            "この採点が始まります。Ctrl-C で待つのをやめます。--no-server を付けるとサーバーなしで採点します",
        )
    print(notice.format(pid=pid)(_language(argv)), file=sys.stderr, flush=True)
    return True


def terminate(pid: int, seconds: float = 5.0) -> bool:
    """End the grading server ``pid`` (SIGTERM, which a stopped one gets once continued; SIGKILL if it lingers).

    Only a process that is one (``grader.daemon`` on its command line) is
    signalled; whether it is gone.
    """
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            if b"grader.daemon" not in handle.read():
                return False
    except OSError:
        return False
    for number in (SIGTERM, SIGCONT):
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            return True
    if gone_within(pid, seconds):
        return True
    try:
        os.kill(pid, SIGKILL)
    except ProcessLookupError:
        return True
    return gone_within(pid, seconds)


def gone_within(pid: int, seconds: float) -> bool:
    """Whether process ``pid`` ends within ``seconds`` (a zombie is gone: its parent is only not yet told)."""
    deadline = time.monotonic() + seconds
    while process_state(pid) not in ("", "Z"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def servers() -> list[str]:
    """The sockets of this user's servers, in every folder where they may live."""
    found = []
    for folder in candidate_dirs():
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        found += [os.path.join(folder, name) for name in names if name.endswith(".sock")]
    return found
