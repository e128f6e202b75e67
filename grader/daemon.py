"""The warm grading server: one per user and workspace, started by ``grade`` (``grader.launch``).

It loads the CLI, the checks and NumPy once and keeps one sandbox zygote
(``SandboxPool``) for its life; every submission still runs in a fresh confined
server forked from that zygote, exactly as ``grade batch`` grades.  Requests
are served one at a time, in the main thread: a client that comes while another
is being graded waits its turn (correct, and simple; gradings are short), and
says so after ``launch.BUSY_NOTICE_SECONDS``.  For
each request it puts the client's standard streams on its own descriptors 0, 1
and 2, goes to the client's folder and takes its environment and umask, runs
``grader.cli.main`` as ``grade`` would, and puts everything back.

It stops after ``DLGRADE_SERVER_IDLE`` seconds without a request (default 900:
15 minutes), on ``grade server stop``, on SIGTERM, and when a client of another
``client_key`` comes (another grader) or its sources changed since it started
(``grader.sourcewatch``, asked at each request); its log is ``<name>.log``
beside the socket.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import os
import select
import signal
import sys
import threading
import time

# _socket, as the client (``grader.launch``): the socket module builds enums of every constant and imports
# selectors, 5-10 ms of a cold start's critical path, and nothing else a grading imports needs it
from _socket import AF_UNIX, MSG_DONTWAIT, MSG_PEEK, SHUT_RD, SOCK_STREAM
from _socket import socket as _socket_type

from grader.launch import (
    SERVER_THREAD_VARIABLES,
    Reader,
    client_key,
    grader_source_folders,
    log_path,
    peer,
    socket_path,
    version_key,
    write_message,
)

# the zygote is started before this process imports more (``main``): ``typing`` comes after it
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

IDLE_SECONDS = 900.0
REQUEST_SECONDS = 10.0
LOG_LIMIT_BYTES = 1 << 20
SET_ASIDE: list[str] = []  # what open_private moved away before the log was open, logged then


def idle_seconds(environ: dict[str, str] | os._Environ[str]) -> float:
    """``DLGRADE_SERVER_IDLE`` seconds (0.1 s to a week), else 15 minutes."""
    try:
        value = float(environ.get("DLGRADE_SERVER_IDLE", ""))
    except ValueError:
        return IDLE_SECONDS
    if not value == value:  # NaN
        return IDLE_SECONDS
    return min(max(value, 0.1), 7 * 24 * 3600.0)


def log(message: str) -> None:
    """One line in the server's log (its descriptor 2 between requests), stamped to the millisecond."""
    now = time.time()
    stamp = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.localtime(now))}.{int(now * 1000) % 1000:03d}"
    os.write(2, f"{stamp} [{os.getpid()}] {message}\n".encode(errors="replace"))


class Server:
    """The server of one workspace: the listening socket, the zygote and the requests served."""

    def __init__(self, folder: str, workspace: str) -> None:
        self.folder = folder
        self.workspace = workspace
        self.path = socket_path(folder, workspace)
        self.key = ""  # version_key(): computed once the zygote is on its way (serve)
        self.client_key = ""  # client_key(): what a client of this grader sends (serve)
        self.sources: Any = None  # a SourceWatch of the grader's sources, from before self.key (serve)
        self.started = time.time()
        self.requests = 0
        self.idle = idle_seconds(os.environ)
        self.pool: Any = None
        self.listener: _socket_type | None = None
        self.lock_fd = -1
        self.to_preload: list[str] | None = None  # the checks modules not imported yet (None: none listed yet)
        self.spawned = time.monotonic()  # when the client started this process (main() reads it), else now
        self.zygote_spawned = 0.0  # when the last zygote was started (its process running, NumPy not yet loaded)
        self.zygote_cpu = 0.0  # this process's CPU time then
        self.keeps_freed_memory = False  # keep_freed_memory has run

    # --- life ---------------------------------------------------------------------------------------

    def claim(self) -> bool:
        """Hold the workspace's lock; False when another live server holds it (nothing else is done then)."""
        self.lock_fd = open_private(self.path[: -len(".sock")] + ".lock", os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(self.lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def listen(self) -> None:
        """Listen on the workspace's socket (0600), the lock held (``claim``).

        A client that came before waits for the socket (``launch._wait_for_server``).
        """
        # the lock is ours: a socket file left here is a dead server's
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError:  # a folder in its place, say
            log(f"{self.path} could not be used: set aside as {set_aside(self.path)}")
        listener = _socket_type(AF_UNIX, SOCK_STREAM)
        mask = os.umask(0o177)  # the socket is born 0600: no moment at which others could connect
        try:
            listener.bind(self.path)
        finally:
            os.umask(mask)
        os.chmod(self.path, 0o600)
        listener.listen(64)
        self.listener = listener

    def release(self) -> None:
        """Stop listening and give the workspace up (socket file removed while the lock says it is ours)."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.listener.close()
            self.listener = None
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1

    def warm(self) -> None:
        """Load what every grading needs, and a zygote (again, when the last one died)."""
        from grader.sandbox import spawn

        if self.pool is not None and self.pool.alive:
            return
        if self.pool is not None:
            log("the sandbox zygote died; starting a new one")
            self.pool.close()
            self.pool = None
        # the zygote first, the pool's module (tens of milliseconds of imports) after: on a cold start
        # the zygote loads NumPy meanwhile
        started = spawn.start_zygote()
        self.zygote_spawned = time.monotonic()
        self.zygote_cpu = time.process_time()
        # before the first class is defined: the code of their methods, compiled by the last server
        from grader import classcode

        classcode.install(self.path[: -len(".sock")] + "." + classcode.file_name())
        try:
            from grader.sandbox.client import SandboxPool

            # every grading's checks are built once (engine._BUILT): their input arrays are written once too; and
            # the learner's unchanged files are compiled once (a workspace's files, graded again and again)
            self.pool = SandboxPool(started=started, share_inputs=True, keep_code=True)
        except BaseException:
            started.process.kill()
            raise

    def preload(self) -> None:
        """After the first request: import every exercise's checks, so each one's first grading is warm too.

        One module at a time, and only while no client waits: all of them take
        about 20 ms, and the learner's next ``grade`` connects about 10 ms after
        the first one ended; it is served first, and the rest is imported after it.
        """
        import importlib

        from grader.grading.engine import EXERCISES

        if self.to_preload is None:
            self.to_preload = [exercise.checks_module for exercise in EXERCISES.values()]
        while self.to_preload:
            if self.client_waits():
                return
            module = self.to_preload.pop(0)
            try:
                importlib.import_module(module)
            except Exception as problem:  # noqa: BLE001  (its grading will say what is wrong)
                log(f"could not preload {module}: {problem!r}")

    def settle(self) -> None:
        """Once the first grading is answered: collect what it left, then keep what is loaded out of collections.

        The server starts with the collector off (the code ``launch.start_server``
        runs): the imports of its start and first grading would otherwise run
        some 40 collection passes (about 5 ms of a cold start).  Then, with no
        client waiting (else after the third request at the latest), one full
        collection takes the cycles that grading left, ``gc.freeze`` moves
        everything that lives on (modules, checks) out of later collections, and
        the collector runs again as usual: a warm grading never walks the
        server's tens of thousands of objects.
        """
        if gc.isenabled() or (self.requests < 3 and self.client_waits()):
            return
        gc.collect()
        gc.freeze()
        gc.enable()

    def keep_freed_memory(self) -> None:
        """Once the first request is answered: freed memory of up to 32 MB stays here for the next grading.

        A grading's large arrays (exercise 9 judges weights of 100,000 values)
        are mapped afresh and unmapped again by default, about 900 page faults a
        warm exercise 9 grading, 18 with the C library told to keep freed memory
        (``confinement.keep_freed_memory``, as the sandbox's processes do).
        This process then holds what its largest grading needed until it ends.
        Not on a cold start's way: loading ctypes costs a millisecond or two
        when the pool did not load it (``GRADE_NO_CONFINE``).
        """
        if self.keeps_freed_memory:
            return
        self.keeps_freed_memory = True
        from grader.sandbox import confinement

        confinement.keep_freed_memory()

    def keep_class_code(self) -> None:
        """With no client waiting: write the code compiled for the classes defined since, for the next server."""
        from grader import classcode

        if self.client_waits():
            return
        if classcode.save():
            counts = classcode.counts()
            log(f"class code: {counts['kept']} methods' code kept from the last server, {counts['compiled']} compiled")

    def client_waits(self) -> bool:
        """Whether a client's connection waits to be accepted (the idle work then stops for it)."""
        return self.listener is not None and bool(select.select([self.listener], [], [], 0)[0])

    def serve(self) -> None:
        """Answer requests until idle for ``self.idle`` seconds or told to stop (the zygote started: ``warm``)."""
        zygote = self.zygote_spawned - self.spawned
        if self.sources is None:
            from grader.sourcewatch import SourceWatch

            # watched from before the fingerprint in self.key: no change after it goes unseen
            self.sources = SourceWatch(grader_source_folders())
        self.key = self.key or version_key()  # a few milliseconds of stat calls: after the zygote's start
        self.client_key = self.client_key or client_key()
        import grader.cli  # noqa: F401  (loaded once, before the first request)
        from grader.grading import engine
        from grader.sandbox.client import cleanup_later
        from grader.sandbox.plans import PlanStore

        # each exercise's last manifest, for the first grading of a later server (private, as the socket)
        plans = PlanStore(self.path[: -len(".sock")] + ".plans", self.key)

        assert self.listener is not None
        log(f"serving {self.workspace} on {self.path} (key {self.key}, idle exit after {self.idle:g} s)")
        # counted from the client's start of this process: its interpreter's start included
        log(
            f"started: zygote after {zygote:.3f} s, ready after {time.monotonic() - self.spawned:.3f} s "
            f"(this process's CPU time {time.process_time():.3f} s, {self.zygote_cpu:.3f} s of it before the zygote)"
        )
        log(f"modules from {sys.path}")
        while True:
            self.listener.settimeout(self.idle)
            try:
                connection = _accept(self.listener)
            except TimeoutError:
                log("idle: stopping")
                return
            connection.settimeout(REQUEST_SECONDS)  # a client stopped (Ctrl-Z) before it sent holds nobody up
            try:
                try:
                    # the scratch folders of the request's gradings are deleted after the client has its answer
                    with cleanup_later(), engine.warm_pool(self.pool, plans):
                        more = self.answer(connection)
                except OSError as problem:  # the client went away
                    log(f"request ended early: {problem}")
                    more = True
                except KeyboardInterrupt:  # a client's Ctrl-C that came as its command ended
                    log("interrupted after the command ended")
                    more = True
            finally:
                connection.close()
            if not more:
                return
            self.warm()
            self.preload()
            self.settle()
            self.keep_freed_memory()
            self.keep_class_code()

    # --- one request ----------------------------------------------------------------------------------

    def answer(self, connection: _socket_type) -> bool:
        """Serve one connection; False when the server should stop."""
        _pid, uid, _gid = peer(connection)
        if uid != os.getuid():
            log(f"refused a client of uid {uid}")
            return True
        fds: list[int] = []
        try:
            message = Reader(connection).read(fds)
            if message is None:
                return True
            op = message.get("op")
            if op == "status":
                write_message(connection, self.status())
                return True
            if op == "stop":
                self.release()
                write_message(connection, {"stopped": os.getpid()})
                log("stopped by grade server stop")
                return False
            if op != "run":
                return True
            key = message.get("key")
            if not isinstance(key, str):
                write_message(connection, {"error": "no version key"})
                return True
            stale = "" if key == self.client_key else f"a client of another version ({key})"
            if not stale and self.sources.changed():
                stale = "the grader's sources changed"
            if stale:
                self.release()  # before answering: the client starts the next server at once
                write_message(connection, {"stale": True, "key": self.client_key})
                log(f"{stale}: stopping")
                return False
            if len(fds) != 3:
                write_message(connection, {"error": "three descriptors expected"})
                return True
            connection.settimeout(None)  # the command may take as long as its gradings
            return self.run(connection, message, fds)
        finally:
            for fd in fds:
                os.close(fd)

    def run(self, connection: _socket_type, message: dict[str, object], fds: list[int]) -> bool:
        """Run the client's command on its streams, folder and environment; send its exit status."""
        try:
            request = Request(message, fds)
        except (TypeError, ValueError, OSError) as problem:
            write_message(connection, {"error": str(problem)})  # the client grades in its own process
            return True
        if _client_gone(connection):
            return True
        write_message(connection, {"started": True})
        self.requests += 1
        log(f"{' '.join(request.argv)} in {request.cwd}: started")
        watcher = Interrupter(connection)
        began = time.monotonic()
        with request.applied():
            watcher.start()
            try:
                status = run_command(request.argv)
            finally:
                watcher.stop()
        ended = time.monotonic()
        # the client waits for this, and the rest (the watcher's end, the log) does not concern it
        write_message(connection, {"exit": status})
        watcher.join()
        since = ""
        if self.requests == 1:
            since = f", {ended - self.spawned:.3f} s after the start (CPU time {time.process_time():.3f} s)"
        log(f"{' '.join(request.argv)} in {request.cwd}: exit {status} after {ended - began:.3f} s{since}")
        return True

    def status(self) -> dict[str, object]:
        """What ``grade server status`` shows."""
        from grader import classcode
        from grader.grading import engine

        return {
            "pid": os.getpid(),
            "workspace": self.workspace,
            "socket": self.path,
            "version": self.key,
            "uptime": time.time() - self.started,
            "requests": self.requests,
            # first gradings started on a plan an earlier server kept: adopted, or stopped as it differed
            "plan_runs": dict(engine.PLAN_RUNS),
            # the methods of the classes defined so far whose code the last server kept, and those compiled here
            "class_code": classcode.counts(),
            "idle_exit": self.idle,
            "log": log_path(self.folder, self.workspace),
        }


def _accept(listener: _socket_type) -> _socket_type:
    """The next client's connection (``socket.socket.accept`` without the socket module); TimeoutError when idle."""
    fd, _address = listener._accept()  # type: ignore[attr-defined]  # the C method socket.socket.accept calls
    return _socket_type(AF_UNIX, SOCK_STREAM, 0, fd)


def _client_gone(connection: _socket_type) -> bool:
    """True when the client hung up already (Ctrl-C while it waited its turn): nothing is run for it."""
    try:
        return connection.recv(1, MSG_PEEK | MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class Request:
    """A client's command and the process state it runs in."""

    def __init__(self, message: dict[str, object], fds: list[int]) -> None:
        argv, cwd, env, umask, encoding = (message.get(key) for key in ("argv", "cwd", "env", "umask", "encoding"))
        if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
            raise ValueError("argv is not a list of strings")
        if not isinstance(cwd, str) or not isinstance(env, dict) or not isinstance(umask, int):
            raise ValueError("cwd, env or umask missing")
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in env.items()):
            raise ValueError("env holds other values than strings")
        if not isinstance(encoding, list) or len(encoding) != 4 or not all(isinstance(e, str) for e in encoding):
            raise ValueError("no stream encodings")
        self.argv: list[str] = argv
        self.cwd = cwd
        self.env: dict[str, str] = env
        self.umask = umask & 0o777
        self.encoding: list[str] = encoding
        self.fds = fds
        if not os.path.isdir(cwd) or not os.access(cwd, os.X_OK):
            raise ValueError(f"can not go to {cwd}")  # the client grades in its own process

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """The client's streams, folder, environment, umask and argv, for the time of the command."""
        saved_fds = [os.dup(fd) for fd in (0, 1, 2)]
        saved_streams = (sys.stdin, sys.stdout, sys.stderr)
        saved_env = dict(os.environ)
        saved_argv = sys.argv
        saved_cwd = os.getcwd()
        saved_handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            for target, fd in enumerate(self.fds):
                os.dup2(fd, target)
            sys.stdin = _stream(0, "r", self.encoding[3], "strict")
            sys.stdout = _stream(1, "w", self.encoding[0], self.encoding[1])
            sys.stderr = _stream(2, "w", self.encoding[2], "backslashreplace")
            os.chdir(self.cwd)
            # but the server's one BLAS thread: NumPy is imported during the first request, and reads them then
            threads = {name: saved_env[name] for name in SERVER_THREAD_VARIABLES if name in saved_env}
            _set_environ({**self.env, **threads})
            os.umask(self.umask)
            sys.argv = ["grade", *self.argv]
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            sys.stdin, sys.stdout, sys.stderr = saved_streams
            for target, fd in enumerate(saved_fds):
                os.dup2(fd, target)
                os.close(fd)
            os.chdir(saved_cwd)
            _set_environ(saved_env)
            os.umask(0o077)
            sys.argv = saved_argv
            for number, handler in saved_handlers.items():
                signal.signal(number, handler)


def _set_environ(wanted: dict[str, str]) -> None:
    """Make ``os.environ`` hold exactly ``wanted``, setting and removing only the variables that differ.

    A client's environment is mostly the server's own (both come from the same
    shell): clearing all of it and setting it again cost about half a
    millisecond of every grading's answer, once each way.
    """
    for name in [name for name in os.environ if name not in wanted]:
        del os.environ[name]
    for name, value in wanted.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def _stream(fd: int, mode: str, encoding: str, errors: str) -> io.TextIOWrapper:
    """A text stream on descriptor ``fd`` like the one Python gives a process (line-buffered on a terminal)."""
    tty = os.isatty(fd)
    raw = io.FileIO(fd, mode, closefd=False)
    buffered: io.BufferedReader | io.BufferedWriter = io.BufferedReader(raw) if mode == "r" else io.BufferedWriter(raw)
    try:
        return io.TextIOWrapper(buffered, encoding=encoding, errors=errors, line_buffering=tty and mode == "w")
    except LookupError:  # an encoding this interpreter does not know
        return io.TextIOWrapper(buffered, encoding="utf-8", errors=errors, line_buffering=tty and mode == "w")


def run_command(argv: list[str]) -> int:
    """Run ``grade ARGV`` as ``grader.cli.run`` does, and its exit status (printed output flushed)."""
    from grader.cli import main as cli

    try:
        cli.main(args=argv, prog_name="grade", standalone_mode=True)
        status = 0
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    except KeyboardInterrupt:  # after click's own handling (Ctrl-C between its steps)
        status = 130
    except Exception:  # a bug: reported as Python reports it, and the server goes on
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return status


class Interrupter:
    """Ctrl-C in the client (its half of the connection closed) stops the command here as Ctrl-C would."""

    def __init__(self, connection: _socket_type) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self.running = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> None:
        """Watch the connection while the command runs."""
        with self.lock:
            self.running = True
        self.thread.start()

    def stop(self) -> None:
        """Stop watching (the command is done): from now on the client's hang-up interrupts nothing."""
        with self.lock:
            self.running = False
        # wake the reader: the thread must not outlive this request's connection (see join)
        with contextlib.suppress(OSError):
            self.connection.shutdown(SHUT_RD)

    def join(self) -> None:
        """Wait for the watching thread to end (after ``stop``; before the connection is closed)."""
        self.thread.join(timeout=1)

    def _watch(self) -> None:
        try:
            self.connection.recv(1)
        except OSError:
            return
        with self.lock:
            if self.running:
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def set_aside(path: str) -> str:
    """Move what is at ``path`` (not a file the server can use: a folder, say) out of the way; its new name."""
    aside = f"{path}.set-aside-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    os.replace(path, aside)
    return aside


def open_private(path: str, flags: int) -> int:
    """Open one of the server's own files (mode 0600), setting aside anything unusable found at ``path``."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW, 0o600)
    except OSError:
        if not os.path.lexists(path):
            raise
        aside = set_aside(path)
        fd = os.open(path, flags | os.O_NOFOLLOW, 0o600)
        SET_ASIDE.append(f"{path} could not be used: set aside as {aside}")
        return fd


def main() -> None:
    """``python -c ... main() FOLDER WORKSPACE [SPAWNED]``: serve ``WORKSPACE`` (started by ``grader.launch``).

    ``SPAWNED`` is the client's ``time.monotonic()`` as it started this process
    (one clock for the whole machine), from which the log counts the start.
    """
    folder, workspace = sys.argv[1], sys.argv[2]
    os.chdir(folder)  # not the learner's folder the client was started in (it may be deleted)
    path = log_path(folder, workspace)
    with contextlib.suppress(OSError):
        if os.path.getsize(path) > LOG_LIMIT_BYTES:
            os.replace(path, path + ".old")
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.umask(0o077)
    for line in SET_ASIDE:
        log(line)
    server = Server(folder, workspace)
    with contextlib.suppress(IndexError, ValueError):
        spawned = float(sys.argv[3])
        if server.spawned - 60 < spawned <= server.spawned:  # a time of the client's (not NaN, not far off)
            server.spawned = spawned
    if not server.claim():
        return  # another client's server holds this workspace already

    def terminated(*_: object) -> None:
        server.release()
        if server.pool is not None:
            server.pool.end_now()  # the zygote and its servers
            from grader.sandbox import spawn  # (imported by warm, which made the pool)

            spawn.remove_own_folders()  # the pool's, and a grading's when one was running
        os._exit(0)

    signal.signal(signal.SIGTERM, terminated)
    try:
        # the zygote first, before this process imports more than it needed to hold the lock: it loads
        # NumPy on the other core meanwhile; a client that came already waits for the socket
        server.warm()
        server.listen()
        server.serve()
    except Exception as problem:  # noqa: BLE001  (logged: the clients replace a server that stopped)
        import traceback

        log(f"stopped by an error: {problem!r}\n{traceback.format_exc()}")
        raise SystemExit(1) from None
    finally:
        server.release()
        if server.pool is not None:
            server.pool.close()
        from grader import classcode

        classcode.save()  # stopped before its idle work wrote it (grade server stop); nothing when none is new
    sys.stdout.flush()
    os._exit(0)
