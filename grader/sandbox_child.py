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
        np = self.np
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
        np.save(path, array, allow_pickle=False)
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


def _worker(manifest: dict, probe: dict) -> None:
    """Run one probe in this (forked) process and leave the results on disk."""
    probe_dir = probe["dir"]
    learner_dir = manifest["learner_dir"]
    os.setsid()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.close(_WAKE_READ)
    os.close(_WAKE_WRITE)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        handle = os.open(os.path.join(probe_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(handle, fd)
        os.close(handle)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    work_dir = os.path.join(probe_dir, "cwd")
    os.mkdir(work_dir)
    os.chdir(work_dir)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limits = manifest["limits"]
    resource.setrlimit(resource.RLIMIT_FSIZE, (STREAM_LIMIT_BYTES * 8,) * 2)
    cpu = int(probe["timeout"]) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = limits.get("memory_bytes")
    if memory:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (memory, hard))

    import numpy as np

    result: dict = {"status": "ok", "outputs": {}}
    env = _Env(np, None, probe_dir)
    step_index = -1
    try:
        for name, file_name in probe.get("arrays", {}).items():
            env.values[name] = np.load(os.path.join(probe_dir, file_name), allow_pickle=False)
        try:
            env.module = _import_learner_module(manifest)
        except NotImplementedError:
            raise
        except BaseException as exc:
            result.update(status="import_error", message=_learner_traceback(learner_dir, exc))
            raise _Stop from None
        for step_index, step in enumerate(probe["steps"]):
            _run_step(env, step)
    except _Stop:
        pass
    except _Missing as missing:
        result.update(status="missing", name=str(missing))
    except NotImplementedError as exc:
        codes = [
            frame.f_code
            for frame, _line in traceback.walk_tb(exc.__traceback__)
            if os.path.abspath(frame.f_code.co_filename).startswith(learner_dir + os.sep)
        ]
        where = codes[-1].co_qualname if codes else ""
        result.update(status="not_implemented", step=step_index, message=where)
    except SystemExit as exc:
        result.update(status="exited", step=step_index, message=f"sys.exit({exc.code!r})")
    except MemoryError:
        result.update(status="memory", step=step_index)
    except BaseException as exc:  # the learner's exception becomes a failed check
        result.update(
            status="error",
            step=step_index,
            exception=type(exc).__name__,
            message=_learner_traceback(learner_dir, exc),
        )
    result["outputs"] = env.outputs
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: S110 - a broken stream must not hide the result
        pass
    with open(os.path.join(probe_dir, "result.json"), "w") as handle:
        json.dump(result, handle)
    os._exit(0)


class _Stop(Exception):
    pass


_COMPILED: dict[str, object] = {}


def _precompile(manifest: dict) -> None:
    """Compile the learner's module once in the server, so each fork only executes it.

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
    # warm the path finder's directory cache for the learner's own imports
    importlib.machinery.PathFinder.find_spec(name, [manifest["learner_dir"]])


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


def _serve(manifest: dict) -> None:
    pending = list(manifest["probes"])
    jobs = max(1, int(manifest.get("jobs", 1)))
    running: dict[int, tuple[dict, float, float]] = {}
    while pending or running:
        while pending and len(running) < jobs:
            probe = pending.pop(0)
            started = time.monotonic()
            pid = os.fork()
            if pid == 0:
                try:
                    _worker(manifest, probe)
                finally:
                    os._exit(70)
            running[pid] = (probe, started, started + float(probe["timeout"]))
        deadline = min(limit for _probe, _start, limit in running.values())
        finished = _wait_any(running, deadline)
        now = time.monotonic()
        if not finished:
            for pid, (probe, started, limit) in list(running.items()):
                if now >= limit:
                    _kill_group(pid)
                    os.waitpid(pid, 0)
                    _record(probe, started, timed_out=True, status=None)
                    del running[pid]
            continue
        for pid, status in finished:
            probe, started, _limit = running.pop(pid)
            _kill_group(pid)
            _record(probe, started, timed_out=False, status=status)


def _wait_any(running: dict, deadline: float) -> list[tuple[int, int]]:
    """Wait until a worker ends or the deadline passes; return the ended ones."""
    while True:
        finished = []
        for pid in list(running):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                finished.append((pid, status))
        if finished:
            return finished
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return []
        _sleep_until_child(min(remaining, 0.05))


def _sleep_until_child(seconds: float) -> None:
    # SIGCHLD interrupts the select below, so a finished worker is seen at once
    select.select([_WAKE_READ], [], [], seconds)
    try:
        while os.read(_WAKE_READ, 4096):
            pass
    except BlockingIOError:
        pass


def _record(probe: dict, started: float, timed_out: bool, status: int | None) -> None:
    info: dict = {"elapsed": time.monotonic() - started, "timed_out": timed_out}
    if status is not None:
        if os.WIFSIGNALED(status):
            info["signal"] = os.WTERMSIG(status)
        else:
            info["exit_code"] = os.waitstatus_to_exitcode(status)
    with open(os.path.join(probe["dir"], "status.json"), "w") as handle:
        json.dump(info, handle)
    print(probe["id"], flush=True)


_WAKE_READ, _WAKE_WRITE = os.pipe()


def main() -> None:
    """Load NumPy, wait for the manifest on stdin, run every probe."""
    os.set_blocking(_WAKE_READ, False)
    os.set_blocking(_WAKE_WRITE, False)
    signal.set_wakeup_fd(_WAKE_WRITE)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sys.meta_path.insert(0, _BlockGraderImports())
    sys.path.append(sys.argv[1])
    import numpy  # noqa: F401 - loaded once here so every fork starts warm

    manifest = json.loads(sys.stdin.buffer.read())
    sys.path.insert(0, manifest["learner_dir"])
    sys.dont_write_bytecode = True
    _precompile(manifest)
    _serve(manifest)


if __name__ == "__main__":
    main()
