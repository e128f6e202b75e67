"""The sandbox server: runs learner code, one forked worker per probe.

This file is executed as a script by ``grader.sandbox`` in a fresh interpreter
started with ``python -I -S``, so it imports nothing of the grader and the
grader's packages are not on its path.  It loads NumPy once, reads a manifest of
probes from standard input, and forks a worker for each probe.  A worker imports
the learner's module, runs the probe's steps and writes what came out as
``.npy`` files (never pickles) for the grader to judge.  The server only records
how each worker ended (exit code, signal, time-out); it knows nothing of
expected answers or scores.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
import types

BLOCKED_PACKAGES = ("reference", "solutions", "grader", "dlgrade")
STREAM_LIMIT_BYTES = 8 * 1024 * 1024


class _BlockGraderImports:
    """Meta-path finder that refuses the grader's own packages."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in BLOCKED_PACKAGES:
            raise ImportError(
                f"'{fullname}' can not be imported while your code is graded; "
                "use NumPy, the standard library and your own exercise files"
            )
        return None


def _learner_traceback(learner_dir: str, exc: BaseException) -> str:
    """Format ``exc`` keeping only the frames that are in the learner's files."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.abspath(frame.filename).startswith(learner_dir + os.sep)
    ]
    lines = []
    for frame in frames:
        name = os.path.basename(frame.filename)
        lines.append(f'  File "{name}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    lines.append(f"{type(exc).__name__}: {exc}")
    return "\n".join(lines)


class _Env:
    """The values a probe's steps read and write, addressed by name."""

    def __init__(self, np, module, probe_dir: str) -> None:
        self.np = np
        self.module = module
        self.values: dict[str, object] = {}
        self.probe_dir = probe_dir
        self.outputs: dict[str, dict] = {}

    def arg(self, spec):
        if "ref" in spec:
            return self.values[spec["ref"]]
        if "tuple" in spec:
            return tuple(spec["tuple"])
        return spec["lit"]

    def args(self, step):
        args = [self.arg(a) for a in step.get("args", [])]
        kwargs = {k: self.arg(v) for k, v in step.get("kwargs", {}).items()}
        return args, kwargs

    def lookup(self, name: str):
        try:
            return getattr(self.module, name)
        except AttributeError:
            raise _Missing(name) from None

    def save(self, value, name: str) -> None:
        info: dict = {"pytype": type(value).__qualname__}
        if isinstance(value, dict):
            info["kind"] = "dict"
            info["keys"] = [str(k) for k in value]
            for i, (key, item) in enumerate(value.items()):
                info.setdefault("items", {})[str(key)] = self._save_array(item, f"{name}.{i}")
        elif value is None:
            info["kind"] = "none"
        else:
            info["kind"] = "array"
            info.update(self._save_array(value, name))
        self.outputs[name] = info

    def _save_array(self, value, file_stem: str) -> dict:
        np = self.np
        info = {"pytype": type(value).__qualname__}
        try:
            array = np.array(value, copy=True, order="C")
        except Exception as exc:  # any failure here is the learner's object's doing
            return {**info, "saved": False, "reason": f"{type(exc).__name__}: {exc}"}
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            return {**info, "saved": False, "reason": f"dtype {array.dtype} is not numeric"}
        path = os.path.join(self.probe_dir, f"out_{file_stem}.npy")
        _NPY.save(path, array)
        return {**info, "saved": True, "file": os.path.basename(path)}


class _Missing(Exception):
    pass


def _run_step(env: _Env, step: dict) -> None:
    op = step["op"]
    np = env.np
    if op == "call":
        func = env.lookup(step["target"])
        args, kwargs = env.args(step)
        env.values[step["out"]] = func(*args, **kwargs)
    elif op == "new":
        cls = env.lookup(step["target"])
        args, kwargs = env.args(step)
        env.values[step["out"]] = cls(*args, **kwargs)
    elif op == "method":
        obj = env.values[step["obj"]]
        args, kwargs = env.args(step)
        method = getattr(obj, step["name"])
        env.values[step["out"]] = method(*args, **kwargs)
    elif op == "getattr":
        obj = env.values[step["obj"]]
        env.values[step["out"]] = getattr(obj, step["name"], None)
    elif op == "dict":
        env.values[step["out"]] = {k: env.values[v] for k, v in step["items"].items()}
    elif op == "list":
        env.values[step["out"]] = [env.values[name] for name in step["items"]]
    elif op == "item":
        env.values[step["out"]] = env.values[step["obj"]][step["key"]]
    elif op == "copy":
        env.values[step["out"]] = np.array(env.values[step["src"]], copy=True)
    elif op == "is":
        env.values[step["out"]] = np.bool_(env.values[step["a"]] is env.values[step["b"]])
    elif op == "seed":
        np.random.seed(step["value"])
    elif op == "func":
        env.values[step["out"]] = _trusted_function(env, step)
    elif op == "save":
        env.save(env.values[step["src"]], step["name"])
    else:
        raise ValueError(f"unknown probe step {op!r}")


def _trusted_function(env: _Env, step: dict):
    """Build one of the grader's own callables (for example f in numerical_gradient)."""
    np = env.np
    kind = step["name"]
    if kind == "generator":
        return np.random.default_rng(int(step["seed"]))
    counter = env.values.setdefault("__calls__", {})
    counter[step["out"]] = 0

    def counted(f):
        def wrapper(*args):
            counter[step["out"]] += 1
            return f(*args)

        return wrapper

    if kind == "polynomial":
        # f(x) = sum over elements of c0 + c1 x + c2 x^2 + c3 x^3
        coefficients = [float(c) for c in step["coefficients"]]

        def polynomial(x):
            x = np.asarray(x, dtype=float)
            total = sum(c * x**power for power, c in enumerate(coefficients))
            return float(np.sum(total))

        return counted(polynomial)
    if kind == "weighted_square_by_reference":
        # ignores its argument and reads the array by reference, as the book's nets do
        array = env.values[step["array"]]
        weights = env.values[step["weights"]]

        def by_reference(_ignored):
            return float(np.sum(weights * array**2))

        return counted(by_reference)
    if kind == "scalar_polynomial":
        coefficients = [float(c) for c in step["coefficients"]]

        def scalar_polynomial(x):
            return sum(c * x**power for power, c in enumerate(coefficients))

        return counted(scalar_polynomial)
    raise ValueError(f"unknown trusted function {kind!r}")


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: S110 - a stream the learner broke must not stop grading
            pass


def _redirect_streams(probe_dir: str) -> None:
    """Point stdout and stderr at this probe's own capture files."""
    _flush_streams()
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        handle = os.open(os.path.join(probe_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(handle, fd)
        os.close(handle)


def _write_result(probe_dir: str, result: dict) -> None:
    _flush_streams()
    # write then rename, so the server never sees half a file
    path = os.path.join(probe_dir, "result.json")
    with open(path + ".part", "w") as handle:
        json.dump(result, handle)
    os.replace(path + ".part", path)


def _tell(progress_fd: int, message: str) -> None:
    try:
        os.write(progress_fd, (message + "\n").encode())
    except OSError:
        pass


def _limit_resources(manifest: dict, batch: list[dict]) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (STREAM_LIMIT_BYTES * 8,) * 2)
    cpu = int(sum(float(probe["timeout"]) for probe in batch)) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = manifest["limits"].get("memory_bytes")
    if memory:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (memory, hard))


def _worker(manifest: dict, batch: list[dict], progress_fd: int) -> None:
    """Run a batch of probes one after another in this (forked) process.

    Before each probe the worker tells the server its index on ``progress_fd``,
    so the server can hold each probe to its own time limit; ``m`` says the
    learner's module was imported.  Each probe's results are on disk before the
    next one starts, so a crash costs only the probe it happened in.
    """
    learner_dir = manifest["learner_dir"]
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.close(_WAKE_READ)
    os.close(_WAKE_WRITE)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    _redirect_streams(batch[0]["dir"])
    _limit_resources(manifest, batch)
    if _CONFINEMENT is not None:
        _CONFINEMENT.landlock(_READABLE, [probe["dir"] for probe in batch] + [os.devnull])

    import numpy as np

    module = None
    import_failure: dict | None = None
    for index, probe in enumerate(batch):
        _tell(progress_fd, str(index))
        probe_dir = probe["dir"]
        if index:
            _redirect_streams(probe_dir)
        work_dir = os.path.join(probe_dir, "cwd")
        os.makedirs(work_dir, exist_ok=True)
        os.chdir(work_dir)
        if module is None and import_failure is None:
            try:
                module = _import_learner_module(manifest)
            except BaseException as exc:  # whatever the import raised, every probe reports it
                import_failure = _failure(exc, learner_dir, -1, "import_error")
            _tell(progress_fd, "m")
        if import_failure is not None:
            _write_result(probe_dir, {**import_failure, "outputs": {}})
            continue
        started = time.perf_counter()
        result = _run_probe(np, module, probe, learner_dir)
        result["seconds"] = time.perf_counter() - started
        _write_result(probe_dir, result)
    os._exit(0)


def _failure(exc: BaseException, learner_dir: str, step_index: int, default: str) -> dict:
    """The result entry for an exception raised by the learner's code."""
    if isinstance(exc, _Missing):
        return {"status": "missing", "name": str(exc)}
    if isinstance(exc, NotImplementedError):
        codes = [
            frame.f_code
            for frame, _line in traceback.walk_tb(exc.__traceback__)
            if os.path.abspath(frame.f_code.co_filename).startswith(learner_dir + os.sep)
        ]
        where = codes[-1].co_qualname if codes else ""
        source = os.path.basename(codes[-1].co_filename) if codes else ""
        return {"status": "not_implemented", "step": step_index, "message": where, "file": source}
    if isinstance(exc, SystemExit):
        return {"status": "exited", "step": step_index, "message": f"sys.exit({exc.code!r})"}
    if isinstance(exc, MemoryError):
        return {"status": "memory", "step": step_index}
    return {
        "status": default,
        "step": step_index,
        "exception": type(exc).__name__,
        "message": _learner_traceback(learner_dir, exc),
    }


def _run_probe(np, module, probe: dict, learner_dir: str) -> dict:
    """Run one probe's steps; the learner's exceptions become the result's status."""
    result: dict = {"status": "ok"}
    env = _Env(np, module, probe["dir"])
    step_index = -1
    try:
        for name, file_name in probe.get("arrays", {}).items():
            env.values[name] = _NPY.load(os.path.join(probe["dir"], file_name))
        for step_index, step in enumerate(probe["steps"]):  # noqa: B007 - read in the handler
            _run_step(env, step)
    except BaseException as exc:  # the learner's exception becomes a failed check
        result = _failure(exc, learner_dir, step_index, "error")
    result["outputs"] = env.outputs
    return result


_COMPILED: dict[str, object] = {}


def _precompile(manifest: dict) -> None:
    """Compile the learner's module once in the server, so each worker only executes it.

    Compiling runs none of the learner's code; a syntax error is left for the
    worker's import to report.
    """
    name = manifest["module"]
    path = os.path.join(manifest["learner_dir"], name + ".py")
    try:
        with open(path, "rb") as handle:
            _COMPILED[name] = compile(handle.read(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OSError):
        return


def _import_learner_module(manifest: dict):
    name = manifest["module"]
    code = _COMPILED.get(name)
    if code is None:
        return importlib.import_module(name)
    module = types.ModuleType(name)
    module.__file__ = code.co_filename
    sys.modules[name] = module
    exec(code, module.__dict__)  # noqa: S102 - this is the learner's module, in the worker
    return module


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Worker:
    """The server's view of one running worker and its batch."""

    def __init__(self, batch: list[dict]) -> None:
        self.batch = batch
        self.current = 0
        self.imported = False
        self.started = time.monotonic()
        self.deadline = self.started + _limit(batch[0])
        self.probe_started = self.started
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        self.pid = os.fork()
        if self.pid == 0:
            os.close(read_fd)
            try:
                _worker(_MANIFEST, batch, write_fd)
            finally:
                os._exit(70)
        os.close(write_fd)
        self.progress_fd = read_fd
        self._buffer = b""

    def read_progress(self) -> None:
        """Follow the worker's messages: each moves the deadline to the new probe's."""
        try:
            while chunk := os.read(self.progress_fd, 4096):
                self._buffer += chunk
        except (BlockingIOError, OSError):
            pass
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            text = line.decode(errors="replace").strip()
            if text == "m":
                self.imported = True
            elif text.isdigit() and int(text) < len(self.batch):
                index = int(text)
                now = time.monotonic()
                if index != self.current:
                    self.current = index
                    self.probe_started = now
                self.deadline = now + _limit(self.batch[index])

    def finish(self, status: int | None, timed_out: bool) -> list[dict]:
        """Record how the batch ended; return the probes to run again in fresh workers."""
        os.close(self.progress_fd)
        if timed_out and self.imported and self.current < len(self.batch):
            # the same function will likely hang again: its other probes get a short limit
            _SLOW_GROUPS.add(str(self.batch[self.current].get("group", "")))
        again = []
        for index, probe in enumerate(self.batch):
            done = os.path.exists(os.path.join(probe["dir"], "result.json"))
            if done:
                _record(probe, self.probe_started, timed_out=False, status=0)
            elif index == self.current or (not self.imported and len(self.batch) == 1):
                _record(probe, self.probe_started, timed_out=timed_out, status=status)
            elif not self.imported:
                # the module never finished importing: every probe shares that fate
                _record(probe, self.started, timed_out=timed_out, status=status)
            else:
                again.append(probe)
        return again


SHORT_LIMIT = 1.0
_SLOW_GROUPS: set[str] = set()


def _limit(probe: dict) -> float:
    """A probe's time limit: its own, or SHORT_LIMIT once a probe of its group timed out."""
    limit = float(probe["timeout"])
    if probe.get("group") and str(probe["group"]) in _SLOW_GROUPS:
        return min(limit, SHORT_LIMIT)
    return limit


def _serve(manifest: dict) -> None:
    jobs = max(1, int(manifest.get("jobs", 1)))
    probes = list(manifest["probes"])
    size = max(1, -(-len(probes) // jobs))
    pending = [probes[i : i + size] for i in range(0, len(probes), size)]
    running: dict[int, _Worker] = {}
    while pending or running:
        while pending and len(running) < jobs:
            worker = _Worker(pending.pop(0))
            running[worker.pid] = worker
        _wait_for_event(running)
        ended = _reap()
        now = time.monotonic()
        for pid, worker in list(running.items()):
            worker.read_progress()
            if pid in ended:
                _kill_group(pid)
                again = worker.finish(ended[pid], timed_out=False)
            elif now >= worker.deadline:
                _kill_group(pid)
                _reap_one(pid)
                worker.read_progress()
                again = worker.finish(None, timed_out=True)
            else:
                continue
            del running[pid]
            # what a crash interrupted runs again, each probe alone
            pending.extend([probe] for probe in again)


def _reap() -> dict[int, int]:
    """Collect every ended child: workers, and orphans adopted from the learner's processes."""
    ended = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return ended
        if pid == 0:
            return ended
        ended[pid] = status


def _reap_one(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _kill_everything_else() -> None:
    """Kill every process the learner's code started, wherever it went."""
    if os.getpid() == 1:
        # PID 1 of our own namespace: -1 reaches every other process in it, and only those
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:
        for pid in _children():
            _kill_group(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children() -> list[int]:
    """Our direct children (adopted orphans included), from /proc where there is one."""
    me = os.getpid()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            found.append(int(entry))
    return found


def _wait_for_event(running: dict[int, _Worker]) -> None:
    """Sleep until a worker reports progress, a child ends, or the nearest deadline."""
    deadline = min(worker.deadline for worker in running.values())
    remaining = max(0.0, deadline - time.monotonic())
    fds = [_WAKE_READ, *(worker.progress_fd for worker in running.values())]
    select.select(fds, [], [], min(remaining, 0.5))
    try:
        while os.read(_WAKE_READ, 4096):
            pass
    except BlockingIOError:
        pass


def _record(probe: dict, started: float, timed_out: bool, status: int | None) -> None:
    info: dict = {"elapsed": time.monotonic() - started, "timed_out": timed_out, "limit": _limit(probe)}
    if status is not None:
        if os.WIFSIGNALED(status):
            info["signal"] = os.WTERMSIG(status)
        else:
            info["exit_code"] = os.waitstatus_to_exitcode(status)
    with open(os.path.join(probe["dir"], "status.json"), "w") as handle:
        json.dump(info, handle)


_WAKE_READ, _WAKE_WRITE = -1, -1
_MANIFEST: dict = {}
_CONFINEMENT = None
_NPY = None  # grader/npyfile.py, loaded by path
_ZYGOTE_NET = False  # the zygote entered a network namespace that its servers share
_READABLE: list[str] = []


def _load_sibling(file_name: str):
    """Load a sibling module by path (the grader package is not importable here)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name)
    spec = importlib.util.spec_from_file_location("_grade_" + file_name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _readable_paths(manifest: dict, numpy_module) -> list[str]:
    """What learner code may read: the standard library (not site-packages), NumPy, its files."""
    # not the whole scratch folder: other probes' inputs (ex10's held-out features) stay unreadable
    paths = [manifest["learner_dir"], sys.argv[1], "/dev/urandom"]
    numpy_dir = os.path.dirname(os.path.realpath(numpy_module.__file__))
    paths += [numpy_dir, os.path.join(os.path.dirname(numpy_dir), "numpy.libs")]
    for entry in sys.path:
        real = os.path.realpath(entry)
        if not os.path.isdir(real) or real in paths or entry in (manifest["learner_dir"], sys.argv[1]):
            if os.path.isfile(real):
                paths.append(real)
            continue
        # a stdlib folder: every child but the site-packages beneath it
        for child in os.listdir(real):
            if child not in ("site-packages", "dist-packages"):
                paths.append(os.path.join(real, child))
    return paths


def _become_pid_one(net: bool = True) -> None:
    """Put the server in new namespaces; the calling process stays outside and waits.

    The caller forks: its child is PID 1 of the new PID namespace and runs the
    server, and when PID 1 ends the kernel ends every process in the namespace.
    The outer process only relays the exit status.
    """
    namespaces = _CONFINEMENT.enter_namespaces(pid=True, net=net)
    if "pid" not in namespaces:
        _CONFINEMENT.become_subreaper()
        return
    pid = os.fork()
    if pid:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _pid, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    # if the outer process dies (the grader was killed), so does the whole namespace
    _CONFINEMENT.die_with_parent(signal.SIGKILL)


def _run_manifest(manifest: dict, numpy_module) -> None:
    """Serve one submission's probes, then kill whatever the learner's code left behind."""
    _MANIFEST.clear()
    _MANIFEST.update(manifest)
    sys.path.insert(0, manifest["learner_dir"])
    sys.dont_write_bytecode = True
    if _CONFINEMENT is not None:
        _READABLE[:] = _readable_paths(manifest, numpy_module)
    _precompile(manifest)
    _serve(manifest)
    _kill_everything_else()


def _new_wake_pipe() -> None:
    """A wake-up pipe of this process's own (a fork must not share its parent's)."""
    global _WAKE_READ, _WAKE_WRITE
    _WAKE_READ, _WAKE_WRITE = os.pipe()
    os.set_blocking(_WAKE_READ, False)
    os.set_blocking(_WAKE_WRITE, False)
    signal.set_wakeup_fd(_WAKE_WRITE)
    signal.signal(signal.SIGCHLD, lambda *_: None)


def _zygote(numpy_module) -> None:
    """Fork a confined server per request; for batches, where start-up time adds up.

    Requests on stdin, one per line: ``run ID MANIFEST_PATH`` or ``kill ID``.
    Answers on stdout: ``done ID EXIT_STATUS`` when that server has ended.  The
    zygote itself never runs learner code: each server is a fresh fork that
    enters its own namespaces before any probe runs.
    """
    servers: dict[int, str] = {}
    pending = b""
    stdin = sys.stdin.buffer.raw
    os.set_blocking(stdin.fileno(), False)
    while True:
        select.select([stdin.fileno(), _WAKE_READ], [], [], 0.5)
        try:
            while os.read(_WAKE_READ, 4096):
                pass
        except BlockingIOError:
            pass
        for pid, status in _reap().items():
            request = servers.pop(pid, None)
            if request is not None:
                sys.stdout.write(f"done {request} {os.waitstatus_to_exitcode(status)}\n")
                sys.stdout.flush()
        try:
            chunk = os.read(stdin.fileno(), 65536)
        except BlockingIOError:
            continue
        if not chunk:
            for pid in servers:
                _kill_group(pid)
            os._exit(0)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            words = line.decode().split(" ", 2)
            if words[0] == "run" and len(words) == 3:
                pid = os.fork()
                if pid == 0:
                    _zygote_child(words[2], numpy_module)
                servers[pid] = words[1]
            elif words[0] == "kill" and len(words) >= 2:
                for pid, request in servers.items():
                    if request == words[1]:
                        _kill_group(pid)


def _zygote_child(manifest_path: str, numpy_module) -> None:
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.close(null)
        signal.set_wakeup_fd(-1)
        os.close(_WAKE_READ)
        os.close(_WAKE_WRITE)
        _new_wake_pipe()
        if _CONFINEMENT is not None:
            _CONFINEMENT.die_with_parent(signal.SIGKILL)
            # the zygote is in its own network namespace already: only a PID namespace here
            _become_pid_one(net=not _ZYGOTE_NET)
            _new_wake_pipe()
        with open(manifest_path, "rb") as handle:
            manifest = json.loads(handle.read())
        _run_manifest(manifest, numpy_module)
    finally:
        os._exit(0)


def main() -> None:
    """Confine, load NumPy, wait for the manifest on stdin, run every probe.

    With ``--zygote`` it instead serves many manifests, one forked server each.
    """
    global _CONFINEMENT, _ZYGOTE_NET
    options = sys.argv[2:]
    confine = "--no-confine" not in options
    zygote = "--zygote" in options
    if confine:
        _CONFINEMENT = _load_sibling("confinement.py")
        _CONFINEMENT.die_with_parent(signal.SIGKILL)
        if not zygote:
            _become_pid_one()
        else:
            # one network namespace for the zygote and every server it forks (creating one costs ~10 ms)
            _ZYGOTE_NET = "net" in _CONFINEMENT.enter_namespaces(pid=False, net=True)
    _new_wake_pipe()
    sys.meta_path.insert(0, _BlockGraderImports())
    sys.path.append(sys.argv[1])
    import numpy  # loaded once here so every fork starts warm
    import numpy.random  # noqa: F401 - lazy in NumPy 2; learners' Dropout and Probe.seed need it

    global _NPY
    _NPY = _load_sibling("npyfile.py")

    if zygote:
        _zygote(numpy)
    _run_manifest(json.loads(sys.stdin.buffer.read()), numpy)
    sys.stdout.flush()
    # skip interpreter teardown (tens of milliseconds with NumPy loaded): the grader waits on it
    os._exit(0)


if __name__ == "__main__":
    main()
