"""The sandbox server: runs learner code, one forked worker per probe.

This file is executed as a script by ``grader.sandbox.client`` in a fresh interpreter
started with ``python -I -S``, so it imports nothing of the grader and the
grader's packages are not on its path.  It loads NumPy once, reads a manifest of
probes, and forks one worker per probe.  A worker imports the learner's module,
runs the probe's steps and sends what came out (``.npy`` bytes, never pickles)
back through a pipe.  The server only records how each worker ended; it knows
nothing of expected answers or scores.

Trust runs one way.  The server runs no learner code and holds everything that
decides a verdict's frame: it forks each worker itself, so it knows which probe a
worker runs, and it times each one on its own clock (a worker can not move its
deadline by anything it writes); it reads the worker's result and output pipes
with caps and writes them, with its own record of how the worker ended, into
``out/``, a folder no worker can write.  A worker can write nowhere at all: it may
read the standard library, NumPy, the learner's files and its own probe's
inputs, and it runs with hard resource limits, no capabilities and a seccomp
filter (see ``confinement.py``).
"""

from __future__ import annotations

import fcntl
import gc
import importlib
import importlib.machinery
import importlib.util
import json
import math
import os
import resource
import select
import signal
import stat
import struct
import sys
import time
import traceback
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

Json = dict[str, Any]

BLOCKED_PACKAGES = ("reference", "solutions", "grader", "dlgrade")
# what the server keeps of one probe: its result stream and the first bytes of each output stream
RESULT_LIMIT_BYTES = 32 * 1024 * 1024
STREAM_KEEP_BYTES = 16 * 1024
# what one returned dict may hold (an optimizer's params, exercise 10's network)
DICT_ITEMS_LIMIT = 256
LEARNER_FILE_LIMIT_BYTES = 1024 * 1024
OPEN_FILES_LIMIT = 256
PIPE_BYTES = 1024 * 1024
# the pieces of an out/ file one system call writes (Linux takes at most 1,024: IOV_MAX)
WRITE_PIECES = 512
# a probe's arrays smaller than this are held back and written with its result.json: one write and
# one wake-up of the server per probe, not one per array; larger ones go at once
HOLD_BYTES = 64 * 1024
# once a probe timed out alone, the other probes of its group (the same function, likely to hang
# again) get a twentieth of their own limit, at least SHORT_FLOOR and at most SHORT_LIMIT seconds: a
# function that used all of its limit on one input must be 20 times faster on another to pass there,
# and a worker reaches the learner's call after about 2 ms of CPU time (fork, confinement, import)
SHORT_LIMIT = 1.0
SHORT_FLOOR = 0.1
SHORT_SHARE = 0.05
# limits are CPU seconds of the worker's process, so a verdict does not depend on the machine's load;
# a worker that waits instead (sleeps, reads, or leaves the work to a child process) is stopped once
# it has run WALL_FACTOR times its limit in wall-clock time
WALL_FACTOR = 3.0
# what the first, optimistic pass gives all of a worker's probes together (see _run_workers); a
# worker still importing then, or still on its first probe, goes on to that probe's own limit
OPTIMISTIC_SECONDS = 0.3
# the first pass starts one worker; once it has run probes this long, another takes half of what it has left
# (fast probes, most exercises' checks, then cost one fork, not one per job)
SHARE_AFTER_SECONDS = 0.025
# what a worker may map beyond the server's address space before its memory budget starts
# (the learner's module and the probe's own bookkeeping)
ADDRESS_SPACE_ROOM = 64 * 1024 * 1024
# exit statuses of a worker that never reached the learner's code
SETUP_FAILED = 71
# a lone worker still running after its probe's short limit is asked, every short limit, which of the
# learner's functions runs now (innermost first, at most RUNNING_NAMES of them): a check that calls a
# function that hung before, even from inside another of the learner's functions, then ends at the
# short limit, and a timeout names the function that was running
RUNNING_SIGNAL = signal.SIGUSR1
RUNNING_NAMES = 8
RUNNING_BYTES = 2048
# a zygote's server is named so while it waits for its request, and then as one that grades
SPARE_NAME = "grade-spare"
SERVER_NAME = "grade-server"
# the longest manifest path the zygote hands a server (Linux's PATH_MAX)
MANIFEST_PATH_BYTES = 4096
# the pool's shared inputs (and probes' steps) live in its folder's ``inputs`` (the zygote's working folder: see
# SandboxPool), and the zygote keeps at most this much of them (exercises 1-14 write 1,003 input files, 0.5 MB)
INPUTS_FOLDER = "inputs"
INPUTS_KEEP_BYTES = 32 * 1024 * 1024
# code a pool keeps (``_CodeFolder``): one file per source, named by its SHA-256
CODE_SUFFIX = ".code"
CODE_LIMIT_BYTES = 16 * 1024 * 1024
# the learner's other files a server compiles ahead of its workers are at most this large (``_named_codes``), and so
# is any file whose code is kept (a larger one is compiled each time, as without a code folder)
NAMED_FILE_LIMIT_BYTES = 128 * 1024


class _BlockGraderImports:
    """Meta-path finder that refuses the grader's own packages."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.split(".")[0] in BLOCKED_PACKAGES:
            raise ImportError(
                f"'{fullname}' can not be imported while your code is graded; "
                "use NumPy, the standard library and your own exercise files"
            )
        return None


if TYPE_CHECKING:
    from importlib.abc import Loader as _Loader
else:  # importlib.abc would import importlib.resources, and with it pathlib and tempfile: ~15 ms of every start
    _Loader = object


class _Precompiled(_Loader):
    """Serves the learner's files from code the server compiled once (no parsing per worker).

    A meta-path finder and loader by its methods (``importlib.abc``'s classes only for the type checker).
    """

    def __init__(self, codes: dict[str, types.CodeType]) -> None:
        self.codes = codes

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        code = self.codes.get(fullname)
        if code is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=code.co_filename)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__file__ = self.codes[module.__name__].co_filename
        exec(self.codes[module.__name__], module.__dict__)  # noqa: S102 - the learner's module, in the worker


def _learner_traceback(learner_dir: str, exc: BaseException) -> str:
    """Format ``exc`` keeping only the frames that are in the learner's files."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.isabs(frame.filename) and frame.filename.startswith(learner_dir + os.sep)
    ]
    lines = []
    for frame in frames:
        name = os.path.basename(frame.filename)
        lines.append(f'  File "{name}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    if isinstance(exc, SyntaxError) and exc.filename:
        lines.append(f'  File "{os.path.basename(exc.filename)}", line {exc.lineno}')
        if exc.text:
            lines.append(f"    {exc.text.strip()[:200]}")
        lines.append(f"{type(exc).__name__}: {exc.msg}")
        return "\n".join(lines)
    try:
        lines.append(f"{type(exc).__name__}: {exc}")
    except BaseException:  # a learner's exception whose str() itself fails
        lines.append(type(exc).__name__)
    return "\n".join(lines)


# --- the worker: runs in the forked child, with the learner's code -------------------------------


class _Results:
    """What a worker sends back: named byte blobs, written as frames to the result pipe.

    While a probe runs, its frames are labelled ``<probe id>/<name>`` and
    ``sent`` counts its bytes.  ``send`` writes a frame now; ``hold`` keeps a
    small one back until the next ``send`` (the probe's result.json), which
    writes it first: the server gets a probe's frames in the same order either
    way, and what a probe that never sends its result held back is lost with it
    (the grader reads no array of a probe without its result).
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.prefix = ""
        self.sent = 0
        self.held: list[bytes] = []  # whole frames, waiting for the next send
        self.held_bytes = 0
        self.probe_running = False  # between ``start`` and the probe's result: where a report may go
        self.writing = False  # a frame is half written: a signal handler must not write another

    def start(self, probe_id: str) -> None:
        self.prefix = probe_id + "/"
        self.sent = 0
        self.probe_running = True

    def _header(self, name: str, data: bytes) -> bytes:
        return _frame_header(self.prefix + name, len(data))

    def hold(self, name: str, data: bytes) -> None:
        """Send a frame with the next ``send`` when it is small, else now (after what is held)."""
        frame = self._header(name, data)
        if len(data) >= HOLD_BYTES or self.held_bytes + len(frame) + len(data) > HOLD_BYTES:
            self.send(name, data)
            return
        self.writing = True  # the handler of RUNNING_SIGNAL sends, and so takes what is held: not now
        try:
            self.held.append(frame + data)
            self.held_bytes += len(frame) + len(data)
        finally:
            self.writing = False
        self.sent += len(frame) + len(data)

    def flush(self) -> None:
        """Write what is held now."""
        self.writing = True
        try:
            held, self.held, self.held_bytes = self.held, [], 0
            if held:
                self._write(b"".join(held))
        finally:
            self.writing = False

    def send(self, name: str, *parts: bytes | memoryview) -> None:
        """Write what is held, then this frame of ``parts``: one write when the frame is small.

        A large frame's last part is written from its own buffer (a large
        array's values, ``memoryview(array)``), not joined to the rest first.
        """
        size = sum(len(part) for part in parts)  # (a byte view's length is its bytes)
        frame = _frame_header(self.prefix + name, size)
        self.writing = True
        try:
            held, self.held, self.held_bytes = self.held, [], 0
            if size < HOLD_BYTES:  # one write, one wake-up of the server
                self._write(b"".join([*held, frame, *parts]))
            else:
                self._write(b"".join([*held, frame, *parts[:-1]]))
                self._write(parts[-1])
        finally:
            self.writing = False
        self.sent += len(frame) + size

    def _write(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view[: 1 << 20])
            view = view[written:]


class _Env:
    """The values a probe's steps read and write, addressed by name."""

    def __init__(self, np: types.ModuleType, module: types.ModuleType | None, results: _Results) -> None:
        self.np = np
        self.module = module
        self.values: dict[str, Any] = {}
        self.results = results
        self.outputs: dict[str, Json] = {}

    def arg(self, spec: Json) -> Any:
        if "ref" in spec:
            return self.values[spec["ref"]]
        if "tuple" in spec:
            return tuple(spec["tuple"])
        return spec["lit"]

    def args(self, step: Json) -> tuple[list[Any], dict[str, Any]]:
        args = [self.arg(a) for a in step.get("args", [])]
        kwargs = {k: self.arg(v) for k, v in step.get("kwargs", {}).items()}
        return args, kwargs

    def lookup(self, name: str) -> Any:
        try:
            return getattr(self.module, name)
        except AttributeError:
            raise _Missing(name) from None

    def save(self, value: Any, name: str) -> None:
        info: Json = {"pytype": type(value).__qualname__}
        if isinstance(value, dict):
            info["kind"] = "dict"
            items = list(value.items())
            if len(items) > DICT_ITEMS_LIMIT:
                info["too_many"] = len(items)
                items = items[:DICT_ITEMS_LIMIT]
            info["items"] = {}
            for i, (key, item) in enumerate(items):
                info["items"][str(key)[:200]] = self._save_array(item, f"{name}.{i}")
        elif value is None:
            info["kind"] = "none"
        else:
            info["kind"] = "array"
            info.update(self._save_array(value, name))
        self.outputs[name] = info

    def _save_array(self, value: Any, file_stem: str) -> Json:
        np = self.np
        info = {"pytype": type(value).__qualname__}
        try:
            if type(value) is np.ndarray and value.nbytes >= HOLD_BYTES and value.flags.c_contiguous:
                # sent below from its own buffer, before any more of the learner's code runs: a copy would
                # change nothing, and cost a fresh worker a page fault per 4 KB (exercise 9's weights: 200)
                array = value
            else:
                array = np.array(value, copy=True, order="C")
        except Exception as exc:  # any failure here is the learner's object's doing
            return {**info, "saved": False, "reason": f"{type(exc).__name__}: {exc}"[:500]}
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            return {**info, "saved": False, "reason": f"dtype {array.dtype} is not numeric"}
        if self.results.sent + array.nbytes > RESULT_LIMIT_BYTES - 65536:
            return {
                **info,
                "saved": False,
                "reason": f"too large: {array.nbytes} bytes, shape {array.shape} "
                f"(the grader reads at most {RESULT_LIMIT_BYTES // 2**20} MB of results per check)",
            }
        name = f"out_{file_stem}.npy"
        head = _NPY.header(array)
        if array.nbytes >= HOLD_BYTES:  # (its bytes go into the pipe now: nothing the learner does later changes them)
            self.results.send(name, head, memoryview(array).cast("B"))
        else:
            self.results.hold(name, head + array.tobytes())
        return {**info, "saved": True, "file": name}


class _Missing(Exception):
    pass


def _run_step(env: _Env, step: Json) -> None:
    op = step["op"]
    np = env.np
    if op == "call":
        func = env.lookup(step["target"])
        args, kwargs = env.args(step)
        if step.get("guarded"):
            env.values[step["out"]] = _guarded_call(func, args, kwargs)
        else:
            env.values[step["out"]] = func(*args, **kwargs)
    elif op == "new":
        cls = env.lookup(step["target"])
        args, kwargs = env.args(step)
        env.values[step["out"]] = cls(*args, **kwargs)
    elif op == "method":
        obj = env.values[step["obj"]]
        args, kwargs = env.args(step)
        if step.get("guarded"):
            # a missing method is an answer too: "not this way", None
            env.values[step["out"]] = _guarded_call(lambda *a, **k: getattr(obj, step["name"])(*a, **k), args, kwargs)
        else:
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


def _guarded_call(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``func(*args, **kwargs)``, or None when it raises: a call made only to diagnose a mistake.

    A stub's NotImplementedError and a MemoryError still end the probe (they are
    reported as such); anything beyond ``Exception`` (SystemExit) was never caught.
    """
    try:
        return func(*args, **kwargs)
    except (NotImplementedError, MemoryError):
        raise
    except Exception:  # the learner's exception is the answer "not this way": None
        return None


def _dotted(name: str) -> bool:
    """True for a plain dotted name of Python identifiers (``d_relu``, ``Relu.backward``)."""
    return all(part.isidentifier() for part in name.split("."))


def _learner_names(frame: types.FrameType | None, learner_dir: str) -> list[str]:
    """The learner's functions on the stack from ``frame`` outwards, innermost first (``d_relu``, ``backward``).

    Only plain dotted names (``Relu.backward``); ``<lambda>`` and ``<locals>`` frames are left out.
    """
    names: list[str] = []
    prefix = learner_dir + os.sep
    while frame is not None and len(names) < RUNNING_NAMES:
        code = frame.f_code
        name = code.co_qualname
        if code.co_filename.startswith(prefix) and _dotted(name):
            names.append(name[:100])
        frame = frame.f_back
    return names


def _report_running(results: _Results, learner_dir: str) -> Callable[[int, types.FrameType | None], None]:
    """The handler of ``RUNNING_SIGNAL``: send ``<probe>/running``, the learner's functions running now.

    It writes only while a probe runs and no other frame is half written, and it never raises into the
    learner's code.  The server trusts the answer only to end this probe sooner (see ``_Running.hung_now``).
    """

    def handler(_signum: int, frame: types.FrameType | None) -> None:
        if not results.probe_running or results.writing:
            return
        try:
            results.send("running", json.dumps(_learner_names(frame, learner_dir)).encode())
        except BaseException:  # noqa: BLE001, S110 - no report is the same as an unknown one
            pass

    return handler


def _trusted_function(env: _Env, step: Json) -> Any:
    """Build one of the grader's own callables (for example f in numerical_gradient)."""
    np = env.np
    kind = step["name"]
    if kind == "generator":
        return np.random.default_rng(int(step["seed"]))
    counter = env.values.setdefault("__calls__", {})
    counter[step["out"]] = 0

    def counted(f: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            counter[step["out"]] += 1
            return f(*args)

        return wrapper

    if kind == "polynomial":
        # f(x) = sum over elements of c0 + c1 x + c2 x^2 + c3 x^3
        coefficients = [float(c) for c in step["coefficients"]]

        def polynomial(x: Any) -> float:
            x = np.asarray(x, dtype=float)
            total = sum(c * x**power for power, c in enumerate(coefficients))
            return float(np.sum(total))

        return counted(polynomial)
    if kind == "square_of_sum":
        # f(x) = (sum of x) ** 2 + sum over elements of the polynomial: every partial
        # derivative depends on every element, so f called on a part of x shows
        coefficients = [float(c) for c in step["coefficients"]]

        def square_of_sum(x: Any) -> float:
            x = np.asarray(x, dtype=float)
            total = sum(c * x**power for power, c in enumerate(coefficients))
            return float(np.sum(x) ** 2 + np.sum(total))

        return counted(square_of_sum)
    if kind == "weighted_square_by_reference":
        # ignores its argument and reads the array by reference, as the book's nets do
        array = env.values[step["array"]]
        weights = env.values[step["weights"]]

        def by_reference(_ignored: Any) -> float:
            return float(np.sum(weights * array**2))

        return counted(by_reference)
    if kind == "scalar_polynomial":
        coefficients = [float(c) for c in step["coefficients"]]

        def scalar_polynomial(x: Any) -> Any:
            return sum(c * x**power for power, c in enumerate(coefficients))

        return counted(scalar_polynomial)
    raise ValueError(f"unknown trusted function {kind!r}")


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: S110 - a stream the learner broke must not stop grading
            pass


def _failure(exc: BaseException, learner_dir: str, step_index: int, default: str) -> Json:
    """The result entry for an exception raised by the learner's code."""
    if isinstance(exc, _Missing):
        return {"status": "missing", "name": str(exc)}
    if isinstance(exc, NotImplementedError):
        codes = [
            frame.f_code
            for frame, _line in traceback.walk_tb(exc.__traceback__)
            if os.path.isabs(frame.f_code.co_filename) and frame.f_code.co_filename.startswith(learner_dir + os.sep)
        ]
        where = codes[-1].co_qualname if codes else ""
        source = os.path.basename(codes[-1].co_filename) if codes else ""
        return {"status": "not_implemented", "step": step_index, "message": where, "file": source}
    if isinstance(exc, SystemExit):
        return {"status": "exited", "step": step_index, "message": f"sys.exit({exc.code!r})"[:200]}
    if isinstance(exc, MemoryError):
        return {"status": "memory", "step": step_index}
    return {
        "status": default,
        "step": step_index,
        "exception": type(exc).__name__,
        "message": _learner_traceback(learner_dir, exc),
        "file": _failing_file(learner_dir, exc),
    }


def _failing_file(learner_dir: str, exc: BaseException) -> str:
    """The learner's file an exception came from (its name only), "" when none of theirs.

    A syntax error names the file that did not compile; ``from ex01_activations
    import sigmoid`` names ex01_activations.py when that file lacks ``sigmoid``
    (or is missing: ``ModuleNotFoundError``); otherwise the file of the last
    frame of the learner's.  The grader uses it to tell a failure caused by
    another exercise's file from one of the file graded.
    """
    if isinstance(exc, SyntaxError) and isinstance(exc.filename, str):
        if exc.filename.startswith(learner_dir + os.sep):
            return os.path.basename(exc.filename)
    if isinstance(exc, ModuleNotFoundError) and isinstance(exc.name, str) and "." not in exc.name:
        return exc.name + ".py" if exc.name.startswith("ex") else ""
    if isinstance(exc, ImportError) and isinstance(exc.path, str) and exc.path.startswith(learner_dir + os.sep):
        return os.path.basename(exc.path)
    codes = [
        frame.f_code.co_filename
        for frame, _line in traceback.walk_tb(exc.__traceback__)
        if os.path.isabs(frame.f_code.co_filename) and frame.f_code.co_filename.startswith(learner_dir + os.sep)
    ]
    return os.path.basename(codes[-1]) if codes else ""


def _run_probe(
    np: types.ModuleType, module: types.ModuleType, probe: Json, inputs: Json, learner_dir: str, results: _Results
) -> Json:
    """Run one probe's steps; the learner's exceptions become the result's status."""
    result: Json = {"status": "ok"}
    env = _Env(np, module, results)
    env.values.update(inputs)
    step_index = -1
    try:
        for step_index, step in enumerate(probe["steps"]):  # noqa: B007 - read in the handler
            _run_step(env, step)
    except BaseException as exc:  # the learner's exception becomes a failed check
        result = _failure(exc, learner_dir, step_index, "error")
    result["outputs"] = env.outputs
    return result


def _confine_worker(limit: float) -> None:
    """Everything between fork and the learner's code: limits, privileges, files, system calls."""
    memory = int(_MANIFEST["limits"].get("memory_bytes") or 0)
    limits = {
        resource.RLIMIT_CPU: int(limit) + 2,
        resource.RLIMIT_FSIZE: 1024 * 1024,
        resource.RLIMIT_NOFILE: OPEN_FILES_LIMIT,
        resource.RLIMIT_CORE: 0,
    }
    if memory:
        # the address space counts every mapping, shared ones included (RLIMIT_DATA does not);
        # the server measured its own, which a fresh fork shares, plus some room for the import
        limits[resource.RLIMIT_AS] = _SETUP["address_space"] + memory
    if _CONFINEMENT is None:
        for which, value in limits.items():
            resource.setrlimit(which, (value, value))
        return
    _CONFINEMENT.hard_limits(limits)
    _CONFINEMENT.drop_privileges(_SANDBOX_USER, _SETUP["last_capability"])
    # one ruleset for every worker, built once by the server: the probes' inputs are read before it applies
    _CONFINEMENT.restrict(_SETUP["ruleset"])
    _CONFINEMENT.seccomp()


def _worker(batch: list[Json], limit: float, pipes: tuple[int, int, int, int]) -> None:
    """The forked child: read the inputs, confine, import the learner's module, run the probes.

    The result pipe carries ``confined`` before any learner code runs,
    ``imported`` once the module is imported, then per probe its arrays and
    ``<id>/result.json``.  A worker that ends without ``imported`` failed at the
    module's top level (``import.json`` says how, when it could), which the
    server reports once for the whole file.
    """
    result_fd, out_fd, err_fd, ack_fd = pipes
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.dup2(result_fd, 3)
        os.dup2(ack_fd, 4)
        files: dict[str, bytes] = {}  # a pool's shared inputs: one file can feed many probes
        inputs = {
            probe["id"]: {
                name: _input_array(os.path.join(probe["dir"], file), files) for name, file in probe["arrays"].items()
            }
            for probe in batch
        }
        del files  # its bytes would count against the learner's memory limit
        os.chdir(_MANIFEST["learner_dir"])
        _confine_worker(limit)
        # nothing else of the server's is inherited: no pipe of another worker, no ruleset, no manifest
        os.closerange(5, 1 << 16)
        results = _Results(3)
        # sent before any learner code runs: a worker that ends without it never got that far
        results.send("confined", b"")
    except BaseException:  # noqa: BLE001 - the worker could not be confined: run nothing
        os._exit(SETUP_FAILED)
    learner_dir = _MANIFEST["learner_dir"]
    import numpy as np

    try:
        module = _import_learner_module()
    except BaseException as exc:  # whatever the import raised, the server reports it for every probe
        _flush_streams()
        _send_or_exit(results, "import.json", {**_failure(exc, learner_dir, -1, "import_error"), "outputs": {}})
        os._exit(0)
    try:  # before "imported": the server asks only after that (the learner's code may set its own handler later)
        signal.signal(RUNNING_SIGNAL, _report_running(results, learner_dir))
    except (OSError, ValueError):
        pass
    results.send("imported", b"")
    for index, probe in enumerate(batch):
        results.start(probe["id"])
        result = _run_probe(np, module, probe, inputs.pop(probe["id"]), learner_dir, results)
        _flush_streams()
        results.probe_running = False
        _send_or_exit(results, "result.json", result)
        if index == len(batch) - 1:
            # no learner code runs after the last probe: end at once, not one round trip later (what
            # the probe printed is in the output pipes before its result, where the server takes it)
            break
        # the server takes this probe's output before the next one prints anything
        try:
            answer = os.read(4, 1)
        except OSError:
            answer = b""
        if answer == b"s":  # the server gave this worker's other probes to another worker
            break
    os._exit(0)


def _input_array(path: str, files: dict[str, bytes]) -> Any:
    """A probe's input array, a new one each time: the grader's ``.npy`` file, each file read once per worker.

    A file of the pool's the zygote read and parsed already (``_load_shared``)
    is not read again: the worker only copies its bytes, into an array made
    exactly as ``from_bytes`` makes one.  Others are read with ``os`` calls, not
    a file object (which would also ask whether the file is a terminal and
    where it stands): a worker reads dozens of these before it is confined.
    """
    kept = _INPUTS.get(path)
    if kept is not None:
        import numpy

        dtype, shape, raw = kept
        return numpy.frombuffer(bytearray(raw), dtype=dtype, count=math.prod(shape)).reshape(shape)
    data = files.get(path)
    if data is None:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            data = os.read(fd, size + 1)  # a regular file reads whole: one call, unless it grew since
            if len(data) > size:
                parts = [data]
                while chunk := os.read(fd, 1 << 20):
                    parts.append(chunk)
                data = b"".join(parts)
        finally:
            os.close(fd)
        files[path] = data
    return _NPY.from_bytes(data)


def _send_or_exit(results: _Results, name: str, result: Json) -> None:
    try:
        results.send(name, json.dumps(result).encode())
    except BaseException:  # noqa: BLE001 - a result that can not be sent is missing, not a crash here
        os._exit(SETUP_FAILED + 1)


def _import_learner_module() -> types.ModuleType:
    name = _MANIFEST["module"]
    failure = _COMPILE_ERRORS.get(name)
    if failure is not None:
        raise failure
    return importlib.import_module(name)


# --- the server: forks, times and reads the workers ----------------------------------------------


class _Capture:
    """What the server keeps of an output stream: per probe, its first bytes and how much there was."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.segments: list[list[Any]] = [[bytearray(), 0, 0]]  # kept bytes, total bytes, lines

    def add(self, chunk: bytes) -> None:
        kept, total, lines = self.segments[-1]
        room = self.limit - len(kept)
        if room > 0:
            kept += chunk[:room]
        self.segments[-1][1:] = [total + len(chunk), lines + chunk.count(b"\n")]

    def cut(self) -> tuple[bytes, int, int]:
        """Close the current probe's part of the stream; what it held."""
        kept, total, lines = self.segments[-1]
        self.segments.append([bytearray(), 0, 0])
        return bytes(kept), total, lines


class _Frames:
    """The server's reading of a worker's result stream: frames as they arrive, sorted by probe.

    The stream is the learner's to spoil (its code can write to the pipe):
    parsing stops at the first frame that is not one the worker's own code
    writes, and what came before still counts.
    """

    def __init__(self, probe_ids: list[str], limit: int) -> None:
        self.rest = bytearray()  # the start of a frame not complete yet
        self.limit = limit
        self.total = 0
        self.broken = False
        self.confined = False
        self.imported = False
        self.import_failure: bytes | None = None
        self.frames: dict[str, list[tuple[str, bytes | memoryview]]] = {probe_id: [] for probe_id in probe_ids}
        self.order = list(self.frames)  # the batch's probes in the order the worker runs them
        self.sizes: dict[str, int] = dict.fromkeys(probe_ids, 0)
        self.done: list[str] = []  # probes whose result.json arrived, in order
        # per probe, the learner's functions the worker last said were running (innermost first)
        self.running: dict[str, list[str]] = {}
        self.released: set[str] = set()  # finished probes whose frames went into their file (``release``)

    def add(self, chunk: bytes) -> list[str]:
        """Take more of the stream; the probes whose result became complete with it.

        A large frame that came whole in one read is kept as a view into that
        (immutable) read, not copied: an array of 800 KB goes from the worker's
        pipe to its file with no copy here, where it took three.  A frame begun in
        an earlier read is gathered in a bytearray (so a frame of many reads costs
        a copy per read, never one of all that came before) and copied out whole.
        """
        self.total += len(chunk)
        if self.broken:
            return []
        if self.rest:
            self.rest += chunk
            stream: bytes | bytearray = self.rest
        else:
            stream = chunk
        completed: list[str] = []
        view = memoryview(stream)
        try:
            at = self._parse(stream, view, completed, keep_views=stream is chunk)
        finally:
            view.release()  # (the views of large frames live on: they hold the read, not this view)
        if stream is chunk:
            self.rest += memoryview(chunk)[at:]  # (empty before: one copy of the unfinished frame, not two)
        else:
            del self.rest[:at]
        if len(self.rest) > self.limit:
            self.broken = True
        return completed

    def _parse(self, stream: bytes | bytearray, view: memoryview, completed: list[str], keep_views: bool) -> int:
        """Take the whole frames at the start of ``stream`` (``view`` of it); how many bytes they took."""
        at = 0
        while not self.broken and len(stream) - at >= 4:
            size = int.from_bytes(view[at : at + 4], "big")
            header = at + 4 + size + 8
            if size > 300:
                self.broken = True
            elif len(stream) >= header:
                length = int.from_bytes(view[header - 8 : header], "big")
                if length > self.limit:
                    self.broken = True
                elif len(stream) >= header + length:
                    label = bytes(view[at + 4 : at + 4 + size]).decode("ascii", errors="replace")
                    # a view only of a large frame of an immutable read: a small one's view would keep a
                    # whole read (the next read would then fault in fresh pages), and the bytearray changes
                    data = view[header : header + length]
                    completed += self._take(label, data if keep_views and length >= HOLD_BYTES else bytes(data))
                    del data
                    at = header + length
                    continue
            break
        return at

    def forget(self, probe_ids: set[str]) -> None:
        """Take no frames of ``probe_ids`` (not started, given to another worker): any of theirs spoils the stream."""
        for probe_id in probe_ids:
            del self.frames[probe_id]
            del self.sizes[probe_id]
        self.order = [probe_id for probe_id in self.order if probe_id not in probe_ids]

    def release(self, probe_id: str) -> None:
        """Let go of a finished probe's frames once its file is written (none of its come after its result)."""
        self.frames[probe_id] = []
        self.released.add(probe_id)

    def current(self) -> str:
        """The probe the worker runs now: the first of its batch whose result has not come ("" once all did)."""
        # a frame counts only for this probe and its result.json ends it: ``done`` is always a start of ``order``
        return self.order[len(self.done)] if len(self.done) < len(self.order) else ""

    def _take(self, label: str, data: bytes | memoryview) -> list[str]:
        if label == "confined":
            self.confined = True
        elif label == "imported":
            self.imported = True
        elif label == "import.json" and not self.imported:
            self.import_failure = bytes(data)
        else:
            probe_id, _, name = label.partition("/")
            if probe_id != self.current() or not name:
                # the worker runs its probes in order: a frame of another probe is the learner's
                # code forging that probe's result (or one given to another worker)
                self.broken = True
                return []
            if name == "running":  # an answer to RUNNING_SIGNAL: not part of the probe's result
                self.running[probe_id] = _running_names(bytes(data[: RUNNING_BYTES + 1]))
                return []
            self.frames[probe_id].append((name, data))
            self.sizes[probe_id] += len(data)
            if self.sizes[probe_id] > RESULT_LIMIT_BYTES:
                self.broken = True  # more than one check may send: that probe runs again alone
                return []
            if name == "result.json":
                self.done.append(probe_id)
                return [probe_id]
        return []


def _running_names(data: bytes) -> list[str]:
    """The function names of a ``running`` report (innermost first); [] for anything but such a list."""
    if len(data) > RUNNING_BYTES:
        return []
    try:
        names = json.loads(data)
    except ValueError:
        return []
    if not isinstance(names, list) or len(names) > RUNNING_NAMES:
        return []
    for name in names:
        if not isinstance(name, str) or len(name) > 100 or not _dotted(name):
            return []
    return names


def _progress(*words: object) -> None:
    """Tell the grader, on the server's own stdout, what runs now (only when the manifest asks for it).

    ``import LIMIT`` (a worker imports the learner's module), ``start ID LIMIT``
    (a worker calls into probe ID), ``end ID`` (probe ID's verdict is the
    server's).  No worker can write there: each has its own pipes on fds 0-4
    and nothing else of the server's.  Display only: the grader decides
    nothing by these lines.
    """
    if not _MANIFEST.get("progress"):
        return
    line = (" ".join(str(word) for word in words) + "\n").encode()
    try:
        os.write(1, line)
    except OSError:  # the grader stopped listening: grading goes on
        _MANIFEST["progress"] = False


def _next_probe(worker: _Running) -> None:
    """The probe ``worker`` runs now (the first of its batch not finished), to the grader."""
    if not _MANIFEST.get("progress"):
        return
    for probe in worker.batch:
        if probe["id"] not in worker.finished:
            _progress("start", probe["id"], f"{_limit(probe):g}")
            return


class _Running:
    """One worker the server started: its probes, its clock and its pipes."""

    def __init__(self, batch: list[Json], limit: float) -> None:
        self.batch = batch
        self.limit = limit
        self.frames = _Frames([probe["id"] for probe in batch], RESULT_LIMIT_BYTES * min(len(batch), 4))
        self.stdout = _Capture(STREAM_KEEP_BYTES)
        self.stderr = _Capture(STREAM_KEEP_BYTES)
        self.finished: dict[str, Json] = {}  # probe id -> what the server saw of it
        read_ends, write_ends = [], []
        for _ in range(3):
            read_fd, write_fd = os.pipe()
            os.set_blocking(read_fd, False)
            read_ends.append(read_fd)
            write_ends.append(write_fd)
        # the other way: the server acknowledges each probe's result (see _results)
        ack_read, self.ack_fd = os.pipe()
        try:  # results can be megabytes: fewer, larger reads
            fcntl.fcntl(read_ends[0], fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except (OSError, AttributeError):
            pass
        self.started = self.last = time.monotonic()
        self.imported_at: float | None = None
        self.ask_at = math.inf  # when to ask a lone worker next which function runs (see ask)
        self.ask_every = math.inf
        self.cut_short: tuple[str, str] | None = None  # (function that hung before, its caller): ended early
        self.stop_after = ""  # the last probe this worker runs, once another took the rest (``share``)
        self.deadline = self.started + limit
        # the CPU-time backstop covers the longest limit the worker may be given (see go_on)
        cpu_limit = max(limit, *(_limit(probe) for probe in batch))
        self.pid = os.fork()
        if self.pid == 0:
            try:
                _worker(batch, cpu_limit, (write_ends[0], write_ends[1], write_ends[2], ack_read))
            finally:
                os._exit(SETUP_FAILED)
        for fd in (*write_ends, ack_read):
            os.close(fd)
        os.set_blocking(self.ack_fd, False)
        self.result_fd, self.out_fd, self.err_fd = read_ends
        self.open = set(read_ends)

    def read(self, fd: int) -> None:
        """Take what is in the pipe ``fd`` now; close it at its end."""
        if fd not in self.open:
            return
        try:
            while chunk := os.read(fd, PIPE_BYTES):
                if fd == self.result_fd:
                    self._results(chunk)
                else:
                    (self.stdout if fd == self.out_fd else self.stderr).add(chunk)
            os.close(fd)
            self.open.discard(fd)
        except BlockingIOError:
            pass
        except OSError:
            os.close(fd)
            self.open.discard(fd)

    def _results(self, chunk: bytes) -> None:
        imported = self.frames.imported
        completed = self.frames.add(chunk)
        if self.frames.imported and not imported:
            self.imported_at = time.monotonic()
            _next_probe(self)
        for probe_id in completed:
            # what the probe printed was written before its result: take it all, then cut the streams
            for fd in (self.out_fd, self.err_fd):
                self.read(fd)
            now = time.monotonic()
            stdout, stderr = self.stdout.cut(), self.stderr.cut()
            # the streams are cut and nothing reads them until this returns: let the worker go on now
            try:
                os.write(self.ack_fd, b"s" if probe_id == self.stop_after else b"k")
            except OSError:  # the worker ended (after its last probe, it does not wait for this)
                pass
            # the worker, woken on this core, would wait until this server blocks again (its record, its files
            # and its ready line come first, some 0.1-0.4 ms a probe): let it start the next probe now, while
            # this server waits its turn, or moves to the other core when that one is idle first
            os.sched_yield()
            self.finished[probe_id] = {
                "elapsed": now - self.last,
                "timed_out": False,
                "limit": self.limit,
                "exit_code": 0,
                **_stream_record("stdout", stdout),
                **_stream_record("stderr", stderr),
            }
            self.last = now
            _progress("end", probe_id)
            _next_probe(self)
        if self.frames.total > self.frames.limit or self.frames.broken:
            _kill_group(self.pid)  # more than any check reads, or a stream no worker writes: done for

    def share(self) -> list[Json]:
        """Give up the second half of the probes not started yet (for another worker); those probes.

        The probe running now and the first half of the rest stay; after the last
        of them the worker is told to stop.  A frame the worker sends for a probe
        given away spoils its stream, as one for any probe not its own.
        """
        todo = [probe for probe in self.batch if probe["id"] not in self.finished]
        keep = (len(todo) + 1) // 2
        if len(todo) < 3 or self.stop_after:
            return []
        given = todo[keep:]
        self._give_up(given, todo[keep - 1]["id"])
        return given

    def _give_up(self, given: list[Json], last: str) -> None:
        """Leave ``given`` to another worker (their frames from this one spoil its stream); stop after ``last``."""
        self.batch = [probe for probe in self.batch if probe not in given]
        self.frames.forget({probe["id"] for probe in given})
        self.stop_after = last

    def start_asking(self) -> None:
        """As a lone worker: ask which of the learner's functions runs every short limit of its probe.

        Only when that is shorter than its limit: at the short limit a call of a function that hung
        before ends it (``hung_now``), and a timeout names the function that was running.
        """
        short = _short_limit(self.batch[0])
        if short < self.limit:
            self.ask_every = short
            self.ask_at = self.started + short

    def ask(self, now: float) -> None:
        """Send ``RUNNING_SIGNAL`` when it is time; the worker answers with a ``running`` frame."""
        if now < self.ask_at:
            return
        self.ask_at = now + self.ask_every
        if self.frames.imported and not self.finished:
            try:
                os.kill(self.pid, RUNNING_SIGNAL)
            except (ProcessLookupError, PermissionError):
                pass

    def hung_now(self) -> tuple[str, str] | None:
        """(function, caller) when the lone worker should end now at its probe's short limit, else None.

        It does when its last answer names a function that hung before and it has used the short
        limit in CPU time.  The answer is the learner's process's word: a false one can only end this
        probe sooner (at the short limit, as a timeout), never later, and never pass it.
        """
        if self.finished or self.ask_every == math.inf:
            return None
        names = self.frames.running.get(self.batch[0]["id"], [])
        slow = [index for index, name in enumerate(names) if name in _SLOW_GROUPS]
        if not slow or not self._used_short_limit():
            return None
        return _with_caller(names, slow[0])

    def spinning(self) -> str:
        """The learner's function this lone worker runs after its probe's short limit of CPU time, else "".

        The innermost function of its last answer (``ask``), once the worker has used the short limit
        in CPU time: where a loop that does not end would be.
        """
        if self.finished or self.ask_every == math.inf:
            return ""
        names = self.frames.running.get(self.batch[0]["id"], [])
        return names[0] if names and self._used_short_limit() else ""

    def _used_short_limit(self) -> bool:
        """Whether the worker has used its short limit in CPU time; if not, it is asked again when it can have."""
        used = self.cpu_seconds()
        if used is None:
            return False
        if used < self.ask_every:  # look again when it can have used the short limit (a busy machine, an import)
            self.ask_at = min(self.ask_at, time.monotonic() + max(0.01, self.ask_every - used))
            return False
        return True

    def stop_short(self, cut: tuple[str, str]) -> None:
        """End this lone worker at its short limit, in ``cut`` (the function and its caller), and reap it."""
        self.cut_short, self.limit = cut, self.ask_every
        _kill_group(self.pid)
        _reap_one(self.pid)

    def cpu_seconds(self) -> float | None:
        """CPU seconds the worker's process used so far, its threads included (None once it is gone)."""
        try:  # the process's CPU clock: clock_getcpuclockid(pid) is ((~pid) << 3) | 2 on Linux
            return time.clock_gettime(((~self.pid) << 3) | 2)
        except OSError:
            return None

    def wait_for_cpu(self, now: float) -> bool:
        """At the wall-clock deadline: move it to when the worker can have used its limit in CPU time.

        True when the deadline moved: the worker used less CPU time than its
        limit (the machine is busy, or it waits) and has run less than
        ``WALL_FACTOR`` times its limit.  A deadline only ever moves later,
        so no worker ends sooner than under a wall-clock limit.
        """
        cap = self.started + WALL_FACTOR * self.limit
        used = self.cpu_seconds()
        if used is None or used >= self.limit or now >= cap:
            return False
        self.deadline = min(cap, now + max(0.01, self.limit - used))
        return True

    def go_on(self) -> str:
        """At the end of the optimistic budget: go on as a lone worker would have, if this one still can.

        A worker still importing goes on to the import's limit (the same as the
        one more try with the full limit); a worker on its first probe gives the
        rest to another worker and goes on to that probe's own limit, stopping
        after it.  Both count from the worker's start, import included, and the
        process has run nothing else: what it ends with is a lone worker's
        verdict.  The new kind of the worker ("import" or "alone"), or "" when
        it can not go on (it finished a probe already).
        """
        if self.finished or self.stop_after or not self.frames.confined:
            return ""
        if not self.frames.imported:
            limit, kind = min(_limit(probe) for probe in self.batch), "import"
        else:
            limit, kind = _limit(self.batch[0]), "alone"
        if limit <= self.limit and kind == "import":
            return ""
        # on its first probe with a limit no longer than the budget (a short one): the process ran that
        # probe alone from its start, so it is a lone worker whose deadline has come (it still gets its
        # full limit in CPU time, see wait_for_cpu); running the probe again would cost its limit twice
        if kind == "alone":
            self._give_up(self.batch[1:], self.batch[0]["id"])
            self.frames.limit = RESULT_LIMIT_BYTES  # what a lone worker's stream may hold
        self.limit = limit
        self.deadline = self.started + limit
        if kind == "alone":
            self.start_asking()
        return kind

    def drain(self) -> None:
        """After the worker ended: take what its pipes still hold, then close them.

        A process the learner started may still hold a pipe open; what is not in
        the pipe once the worker is gone is not waited for.
        """
        for fd in (self.result_fd, self.out_fd, self.err_fd):
            self.read(fd)
        for fd in self.open:
            os.close(fd)
        self.open.clear()
        if self.ack_fd >= 0:
            os.close(self.ack_fd)
            self.ack_fd = -1

    def record(self, status: int | None, timed_out: bool) -> Json:
        """How the worker ended, as the server saw it, for a probe it did not finish."""
        info: Json = {
            "elapsed": time.monotonic() - self.last,
            "timed_out": timed_out,
            "limit": self.limit,
            "result_bytes": self.frames.total,
            **_stream_record("stdout", self.stdout.cut()),
            **_stream_record("stderr", self.stderr.cut()),
        }
        if status is not None:
            if os.WIFSIGNALED(status):
                info["signal"] = os.WTERMSIG(status)
            else:
                info["exit_code"] = os.waitstatus_to_exitcode(status)
        return info

    def frames_of(self, probe_id: str) -> list[tuple[str, bytes | memoryview]]:
        """The probe's frames as a lone worker would have sent them."""
        head = [("confined", b"")] if self.frames.confined else []
        if self.frames.imported:
            head.append(("imported", b""))
        elif self.frames.import_failure is not None:
            head.append(("result.json", self.frames.import_failure))
        return head + self.frames.frames.get(probe_id, [])  # an import failure stands for every probe


def _stream_record(name: str, part: tuple[bytes, int, int]) -> Json:
    kept, total, lines = part
    return {name: kept.decode("utf-8", errors="replace"), f"{name}_bytes": total, f"{name}_lines": lines}


_SLOW_GROUPS: set[str] = set()


def _groups(probe: Json) -> set[str]:
    """The learner's functions a probe belongs to: its group (what its check is about) and every one its steps call."""
    names = {str(probe["group"])} if probe.get("group") else set()
    for step in probe["steps"]:
        if step.get("op") in ("call", "new") and isinstance(step.get("target"), str):
            names.add(step["target"])
    return names


def _hung(probe: Json) -> str:
    """The function that hung before, for which the probe gets a short limit: its own group first ("" when none)."""
    if not _SLOW_GROUPS:  # nothing hung yet (every probe of a passing grading asks)
        return ""
    own = str(probe.get("group") or "")
    if own and own in _SLOW_GROUPS:
        return own
    return min(_groups(probe) & _SLOW_GROUPS, default="")


def _limit(probe: Json) -> float:
    """A probe's time limit: its own, or a short one once a probe of a group it belongs to timed out alone.

    The short limit is a twentieth of its own (0.1 s of 2 s, 0.25 s of 5 s), at
    least ``SHORT_FLOOR`` and at most ``SHORT_LIMIT``: a function that hung once
    costs each of its other checks, and each check whose steps call it, that
    much, and a check it passes fast still passes.
    """
    if _hung(probe):
        return _short_limit(probe)
    return float(probe["timeout"])


def _short_limit(probe: Json) -> float:
    """The short limit of a probe: a twentieth of its own, at least ``SHORT_FLOOR``, at most ``SHORT_LIMIT``."""
    limit = float(probe["timeout"])
    return min(limit, max(SHORT_FLOOR, min(SHORT_LIMIT, limit * SHORT_SHARE)))


def _optimistic(probes: list[Json]) -> tuple[list[Json], float, str]:
    """``probes`` as one worker's share of the optimistic pass: their shared budget, never more than a probe's limit."""
    return probes, min(OPTIMISTIC_SECONDS, *(_limit(probe) for probe in probes)), "optimistic"


def _run_workers(
    probes: list[Json], jobs: int, reported: dict[str, tuple[_Running, Json]] | None = None
) -> dict[str, tuple[_Running, Json]]:
    """Run every probe, ``jobs`` workers at a time; per probe, the worker that ran it and how it ended.

    Each probe a worker finished is written to ``out/`` at once, and noted in
    ``reported`` (``_report_finished``).

    Deadlines are the server's own and nothing a worker writes moves one:

    1. Optimistically, one worker runs every probe, with a short budget for
       all of them together (``OPTIMISTIC_SECONDS``, never more than a
       probe's own limit).  Once it has run probes for ``SHARE_AFTER_SECONDS``,
       a new worker (up to ``jobs``) takes half of what it has not started, with
       a budget of its own.  Correct and quickly failing code ends here, with
       one fork (fast probes) or a few, instead of one per probe.
    2. A probe such a worker did not finish (it ran out of budget, crashed,
       exited, or spoiled its result stream) runs again alone, under its own
       full limit: only a lone worker's end is a probe's verdict, so no probe
       is blamed for another's hang or crash, and none gets more than its limit.
       Two lone workers never both spend their full limits in one function of
       the learner's: the later one waits for the first one's verdict on it
       (``_waits``), and ends as if it had started after that verdict.
    3. The learner's module must import first.  A worker that ends without
       having imported it failed at the module's top level: an exception, a
       crash or an exit is that verdict for every probe at once; running out
       of the optimistic budget while importing (or before the worker could
       even confine itself, on a busy machine) earns one more try with the
       full limit, and a hang there is the verdict for every probe.
    """
    pending: list[tuple[list[Json], float, str]] = [_optimistic(probes)]
    running: dict[int, tuple[_Running, str]] = {}
    ended: dict[str, tuple[_Running, Json]] = {}
    waiting: list[tuple[_Running, Json]] = []  # lone workers stopped for another's verdict on a function (_wait_for)
    reported = {} if reported is None else reported
    while pending or running:
        while pending and len(running) < jobs:
            batch, limit, kind = pending.pop(0)
            worker = _Running(batch, limit if kind == "optimistic" else min(_limit(probe) for probe in batch))
            running[worker.pid] = (worker, kind)
            if kind == "alone":
                worker.start_asking()
            _progress("import", f"{float(_MANIFEST.get('import_timeout', worker.limit)):g}")
        _wait_for_event([worker for worker, _kind in running.values()], _share_time(running, jobs, pending))
        for worker, _kind in running.values():
            for fd in list(worker.open):
                worker.read(fd)
            _report_finished(worker, reported)
        _share_work(running, jobs, pending)
        reaped = _reap()
        now = time.monotonic()
        for pid, (worker, kind) in list(running.items()):
            if pid in reaped:
                status, timed_out = reaped[pid], False
            elif kind == "alone" and (cut := worker.hung_now()):
                # a function that hung before runs again, called from another of the learner's
                worker.stop_short(cut)
                status, timed_out = None, True
            elif kind == "alone" and _waits(worker, running):
                # another lone worker runs the same function past the short limit: its verdict decides
                # this probe's (_wait_for), and meanwhile this worker's core runs other probes
                waiting.append(_wait_for(worker))
                del running[pid]
                continue
            elif now < worker.deadline or (kind != "optimistic" and worker.wait_for_cpu(now)):
                worker.ask(now)
                continue  # an optimistic budget stays wall-clock: what it did not finish runs again alone
            elif went_on := _go_on(worker, kind, pending):
                running[pid] = (worker, went_on)
                continue
            else:
                _kill_group(pid)
                _reap_one(pid)
                status, timed_out = None, True
            _kill_group(pid)
            worker.drain()
            _report_finished(worker, reported)
            del running[pid]
            record = worker.record(status, timed_out)
            if timed_out and kind == "optimistic" and not worker.frames.imported:
                # out of the first pass's budget (wall-clock) while still importing, or not even confined yet
                # on a busy machine (no learner code ran): one more try, with the full limit
                pending.insert(0, (worker.batch, 0.0, "import"))
                continue
            if worker.frames.confined and not worker.frames.imported:
                record["import_failed"] = True
                for other, _kind in running.values():
                    _kill_group(other.pid)
                    _reap_one(other.pid)
                    other.drain()
                return {probe["id"]: (worker, record) for probe in probes}
            _settle(worker, kind, record, ended, pending)
        _decide_waiting(waiting, running, ended, pending)
    return ended


_WAITED: set[str] = set()  # probes that waited once for another's verdict (_waits): never twice


def _with_caller(names: list[str], index: int) -> tuple[str, str]:
    """The function at ``index`` of a worker's answer (innermost first) and its caller ("" when none)."""
    return names[index], names[index + 1] if index + 1 < len(names) else ""


def _spinning_in(name: str, running: dict[int, tuple[_Running, str]], started_before: float = math.inf) -> bool:
    """Whether a lone worker (started before ``started_before``) runs ``name`` past the short limit."""
    return any(
        kind == "alone" and other.started < started_before and other.spinning() == name
        for other, kind in running.values()
    )


def _waits(worker: _Running, running: dict[int, tuple[_Running, str]]) -> bool:
    """Whether this lone worker should stop and wait for another's verdict on the function it runs.

    It does when it has run a function of the learner's that has not hung
    before for the short limit, and a lone worker started before it runs that
    same function past the short limit too: likely a loop that does not end,
    whose first run ends at its full limit.  Two probes spending their full
    limits on one such loop at once, on the two cores, cost twice the time the
    first one proves; the others wait for it instead (``_decide_waiting``).
    """
    name = worker.spinning()
    if not name or name in _SLOW_GROUPS or worker.batch[0]["id"] in _WAITED:
        return False
    return _spinning_in(name, running, started_before=worker.started)


def _wait_for(worker: _Running) -> tuple[_Running, Json]:
    """Stop a worker that waits (``_waits``); it and the record of its probe, as a cut-short one's (``hung_now``)."""
    _WAITED.add(worker.batch[0]["id"])
    worker.stop_short(_with_caller(worker.frames.running[worker.batch[0]["id"]], 0))
    worker.drain()
    return worker, worker.record(None, True)


def _decide_waiting(
    waiting: list[tuple[_Running, Json]],
    running: dict[int, tuple[_Running, str]],
    ended: dict[str, tuple[_Running, Json]],
    pending: list[tuple[list[Json], float, str]],
) -> None:
    """The verdicts of the probes that waited, once the function they waited on is decided.

    When it hung (its first run timed out in it), a probe that waited ends as
    one cut short at the short limit would have (``hung_now``): it ran that
    function that long.  When no lone worker runs it any longer and it did
    not hang, the probe runs again from its start, with its own limit.
    """
    for worker, record in list(waiting):
        name = worker.cut_short[0] if worker.cut_short else ""
        if name in _SLOW_GROUPS:
            waiting.remove((worker, record))
            _settle(worker, "alone", record, ended, pending)
        elif not _spinning_in(name, running):
            waiting.remove((worker, record))
            pending.append(([worker.batch[0]], 0.0, "alone"))


def _settle(
    worker: _Running,
    kind: str,
    record: Json,
    ended: dict[str, tuple[_Running, Json]],
    pending: list[tuple[list[Json], float, str]],
) -> None:
    """After a worker ended: the verdicts it gave (into ``ended``), the probes to run again alone (``pending``)."""
    for probe in worker.batch:
        if probe["id"] in worker.finished:
            ended[probe["id"]] = (worker, worker.finished[probe["id"]])
        elif kind == "alone" or not worker.frames.confined:
            hung = _hung(probe)
            running = worker.frames.running.get(probe["id"], []) if kind == "alone" else []
            if record["timed_out"] and worker.cut_short:
                record["hung_function"], record["called_from"] = worker.cut_short
            elif record["timed_out"] and hung and worker.limit < float(probe["timeout"]):
                record["hung_function"] = hung  # why the limit was short, for the learner's message
            elif record["timed_out"] and running:
                # what the worker last said ran: the learner's word, for its own message and shorter limits only
                record["running_function"] = running[0]
                record["called_from"] = running[1] if len(running) > 1 else ""
            ended[probe["id"]] = (worker, record)
            _progress("end", probe["id"])
            if record["timed_out"] and probe.get("group") and not worker.cut_short:
                # the same function will likely hang again: its other probes get a short limit (not when
                # it was cut short for calling one that hung before: that one ends their time as well)
                _SLOW_GROUPS.add(str(probe["group"]))
            if record["timed_out"] and running:
                _SLOW_GROUPS.add(running[0])  # and so will the function that was running (maybe called by it)
        else:
            pending.append(([probe], 0.0, "alone"))


def _go_on(worker: _Running, kind: str, pending: list[tuple[list[Json], float, str]]) -> str:
    """Let an optimistic worker at its deadline go on as a lone one would (``_Running.go_on``); its new kind, or "".

    The probes it gives up run next, in a new optimistic worker.
    """
    if kind != "optimistic":
        return ""
    batch = list(worker.batch)
    kind = worker.go_on()
    if kind == "alone":
        _next_probe(worker)  # the same probe, now with its own limit
        if len(batch) > 1:
            given = batch[1:]
            pending.append(_optimistic(given))
    return kind


def _share_after() -> float:
    """Seconds a worker runs probes before another takes half of its rest (the manifest may say, else the default)."""
    value = _MANIFEST.get("share_after", SHARE_AFTER_SECONDS)
    return float(value) if isinstance(value, (int, float)) and value >= 0 else SHARE_AFTER_SECONDS


def _sharing(running: dict[int, tuple[_Running, str]], jobs: int, pending: list[Any]) -> list[_Running]:
    """The optimistic workers that could give half their probes to another worker now that one is free."""
    if pending or len(running) >= jobs:
        return []
    return [worker for worker, kind in running.values() if kind == "optimistic" and worker.imported_at is not None]


def _share_time(running: dict[int, tuple[_Running, str]], jobs: int, pending: list[Any]) -> float:
    """When the next worker will have run its probes long enough to share them (inf: none will)."""
    times = [
        worker.imported_at + _share_after()
        for worker in _sharing(running, jobs, pending)
        if worker.imported_at is not None
    ]
    return min(times, default=math.inf)


def _share_work(running: dict[int, tuple[_Running, str]], jobs: int, pending: list[Any]) -> None:
    """Start no second worker for fast probes; for slow ones, give half of a worker's rest to a new one."""
    now = time.monotonic()
    for worker in _sharing(running, jobs, pending):
        if worker.imported_at is not None and now >= worker.imported_at + _share_after():
            given = worker.share()
            if given:
                pending.append(_optimistic(given))
                return


def _write_out(name: str, pieces: list[bytes | memoryview]) -> None:
    """Write one file of ``pieces`` into ``out/`` (the grader reads it; no worker can write there)."""
    path = os.path.join(_MANIFEST["out_dir"], name)
    fd = os.open(path + ".part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        for start in range(0, len(pieces), WRITE_PIECES):
            _write_all(fd, pieces[start : start + WRITE_PIECES])
    finally:
        os.close(fd)
    os.replace(path + ".part", path)


def _write_all(fd: int, pieces: list[bytes | memoryview]) -> None:
    """Write ``pieces`` one after the other, with as few system calls as the kernel allows (``writev``)."""
    left = [memoryview(piece) for piece in pieces if len(piece)]
    while left:
        written = os.writev(fd, left)
        while left and written >= len(left[0]):
            written -= len(left.pop(0))
        if left and written:
            left[0] = left[0][written:]


def _frame_header(label: str, size: int) -> bytes:
    """The header of a frame of the result stream: the label's length and the label, then the data's length."""
    raw = label.encode()
    return struct.pack(">I", len(raw)) + raw + struct.pack(">Q", size)


def _frame(label: str, data: bytes | memoryview) -> tuple[bytes, bytes | memoryview]:
    """A frame of the result stream, as its header and its data (written as they are, not joined)."""
    return _frame_header(label, len(data)), data


def _report(probe_id: str, worker: _Running, record: Json) -> None:
    """Write probe ID's two files: what ``worker`` sent of it (``.result``) and the server's record (``.json``).

    A probe the worker finished has all its frames (none comes after its
    result): its ``.result`` is written once, and the server lets go of them,
    so the reads that held its arrays are freed for the next probe's (exercise
    9 sends four of 0.7-0.8 MB: 430 fewer page faults a grading).
    """
    if probe_id not in worker.frames.released:
        frames = worker.frames_of(probe_id)
        _write_out(f"{probe_id}.result", [piece for label, data in frames for piece in _frame(label, data)])
        if probe_id in worker.finished:
            worker.frames.release(probe_id)
    if worker.frames.broken and probe_id not in worker.finished:
        record["result_broken"] = True
    _write_out(f"{probe_id}.json", [json.dumps(record).encode()])


def _report_finished(worker: _Running, reported: dict[str, tuple[_Running, Json]]) -> None:
    """Write the files of each probe ``worker`` finished since the last call, and tell the grader (``ready ID``).

    A probe whose result came from its worker is that worker's verdict for it
    (``_settle`` keeps it whatever the worker does next), and nothing the worker
    sends later changes what is written for it: frames of a probe are taken only
    while it runs, and its streams were cut when its result came.  Only once the
    worker said ``confined`` and ``imported``, so the frames that head the
    probe's file are fixed too.  Such a probe is written again at the end only if
    the run's verdict for it changed after all: a later worker failed to import
    the learner's module, which is the verdict for every probe (``_serve``).
    """
    if not (worker.frames.confined and worker.frames.imported):
        return
    fresh = []  # every earlier one was written by an earlier call: look back only to the last written
    for probe_id in reversed(worker.finished):
        if probe_id in reported:
            break
        fresh.append(probe_id)
    for probe_id in reversed(fresh):
        record = worker.finished[probe_id]
        _report(probe_id, worker, record)
        reported[probe_id] = (worker, record)
        _ready(probe_id)
    if fresh and len(reported) == len(_MANIFEST["probes"]):
        # every probe finished in a worker that imported the module: no verdict can change any more
        _final()


def _ready(probe_id: str) -> None:
    """Tell the grader, on the progress channel, that probe ID's files are written (when the manifest asks).

    The grader may read and judge them at once, while other probes run.  No
    worker can write to that channel (see ``_progress``); the grader reads what
    the files hold when the run has ended again if they were replaced since, so
    a line here moves no verdict, only when it is worked out.
    """
    _announce(f"ready {probe_id}\n".encode())


def _announce(line: bytes) -> None:
    """Write a ``ready`` or ``final`` line to the grader, when the manifest asks for them."""
    if not _MANIFEST.get("ready"):
        return
    try:
        os.write(1, line)
    except OSError:  # the grader stopped listening (or is behind): it reads the rest at the end
        _MANIFEST["ready"] = False


def _final() -> None:
    """Tell the grader, after the last ``ready`` line, that every probe's files are written for good (``final``).

    The grader then reads its results without waiting for this server to
    clean up and end.  Sent once, when every probe finished in a worker that
    imported the learner's module (no later end of a worker changes those
    verdicts, see ``_report_finished``), or else once ``_serve`` wrote the rest.
    Like ``ready``, a line no worker can write.
    """
    global _FINAL_SENT
    if not _FINAL_SENT:
        _FINAL_SENT = True
        _announce(b"final\n")


def _serve(manifest: Json) -> None:
    """Run every probe; what the server saw of each goes into ``out/``.

    Most probes' files are written as soon as their worker finished them
    (``_report_finished``); the rest (timeouts, crashes, probes run again alone,
    a module that did not import) here, at the end.
    """
    probes = list(manifest["probes"])
    jobs = max(1, int(manifest.get("jobs", 1)))
    reported: dict[str, tuple[_Running, Json]] = {}  # probe id -> the worker and record written for it
    ended = _run_workers(probes, jobs, reported)
    if len(ended) == len(probes) and all(record.get("import_failed") for _worker, record in ended.values()):
        for probe in probes:  # the module did not import: every probe ended with it
            _progress("end", probe["id"])
    for probe in probes:
        worker, record = ended[probe["id"]]
        written = reported.get(probe["id"])
        if written is not None and written[0] is worker and written[1] is record:
            continue  # written already, and still the verdict
        _report(probe["id"], worker, record)
        _ready(probe["id"])
    _final()


def _wait_for_event(running: list[_Running], wake: float = math.inf) -> None:
    """Sleep until a pipe has data, a child ends, the nearest deadline or ``wake``."""
    deadline = min(wake, *(min(worker.deadline, worker.ask_at) for worker in running))
    remaining = max(0.0, deadline - time.monotonic())
    fds = [_WAKE_READ] + [fd for worker in running for fd in worker.open]
    ready, _, _ = select.select(fds, [], [], min(remaining, 0.5))
    if _WAKE_READ not in ready:  # most wake-ups are a worker's frames, not a signal
        return
    try:
        while os.read(_WAKE_READ, 4096):
            pass
    except BlockingIOError:
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _reap() -> dict[int, int]:
    """Collect every ended child: workers, and orphans adopted from the learner's processes."""
    ended: dict[int, int] = {}
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
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children() -> list[int]:
    """Our direct children (adopted orphans included), from /proc where there is one."""
    me = os.getpid()
    found: list[int] = []
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


_WAKE_READ, _WAKE_WRITE = -1, -1
_MANIFEST: Json = {}
_FINAL_SENT = False  # the server told the grader its results are final (``_final``)
_CONFINEMENT: Any = None  # confinement.py, loaded by path (the grader's package is out of reach here)
_NPY: Any = None  # npyfile.py, loaded by path
_ZYGOTE_NET = False  # the zygote entered a network namespace that its servers share
# a zygote's own PID namespace, where it forks each server as PID 1 of a new one (-1: it can not)
_OWN_PID_NAMESPACE = -1
_SANDBOX_USER = False  # workers become the unprivileged sandbox user
_READABLE: list[str] = []
_SETUP: dict[str, int] = {"ruleset": -1, "last_capability": 63, "address_space": 0}
_COMPILE_ERRORS: dict[str, BaseException] = {}
# a zygote's: the Python and NumPy paths workers may read (``_python_paths``), found and opened once
_ZYGOTE_PATHS: list[str] = []
_ZYGOTE_OPENED: list[tuple[int, bool]] = []
# a spare's two rulesets with the rules of those paths, built while it waits for its request (``_python_rulesets``)
_PYTHON_RULESETS: list[int] = []
# the zygote's ends of the pipes that bring servers their manifests' paths (no server keeps another's)
_ZYGOTE_PIPES: set[int] = set()
# the pool's shared input arrays the zygote read once (``_load_shared``): path -> (dtype, shape, the array's bytes)
_INPUTS: dict[str, tuple[Any, tuple[int, ...], bytes]] = {}
# and the probes' steps: path -> the steps, parsed
_STEPS: dict[str, list[Json]] = {}
_INPUTS_BYTES = 0  # the bytes of the files of both


def _load_sibling(file_name: str) -> types.ModuleType:
    """Load a sibling module by path (the grader package is not importable here)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), file_name)
    spec = importlib.util.spec_from_file_location("_grade_" + file_name[:-3], path)
    if spec is None or spec.loader is None:
        raise ImportError(f"can not load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _python_paths(manifest: Json, numpy_module: types.ModuleType) -> list[str]:
    """The standard library (not site-packages) and NumPy: what learner code may read besides its files."""
    paths = [sys.argv[1], "/dev/urandom"]
    numpy_dir = os.path.dirname(os.path.realpath(str(numpy_module.__file__)))
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


def _precompile(manifest: Json) -> None:
    """Compile the learner's module once in the server, so each worker only executes it.

    Compiling runs none of the learner's code.  A file that does not compile
    (a syntax error, nesting too deep for the parser, too big) is kept as the
    error that importing it raises.  With a code folder (``code_dir``: the
    pools of the grading server, ``grade watch`` and ``grade batch``), the code
    compiled from a file is kept there and loaded the next time the same bytes
    are graded, and so are the learner's other files the module names: its
    workers then import those without compiling them either.  Otherwise the
    learner's other files are imported the usual way, by the workers that
    import them.
    """
    name = manifest["module"]
    learner_dir = manifest["learner_dir"]
    path = os.path.join(learner_dir, name + ".py")
    kept = _CodeFolder(manifest.get("code_dir") if _CONFINEMENT is not None else None)
    try:
        code = kept.code(_learner_source(path, name), path)
    except SyntaxError as problem:  # also IndentationError and "too many nested parentheses"
        _COMPILE_ERRORS[name] = problem
    except (ValueError, OSError, ImportError) as problem:
        _COMPILE_ERRORS[name] = ImportError(str(problem))
    except (RecursionError, MemoryError):
        _COMPILE_ERRORS[name] = ImportError(f"{name}.py is nested too deeply (or is too long) for Python to compile")
    else:
        codes = {name: code}
        if kept.folder is not None:
            codes.update(_named_codes(code, learner_dir, name, kept))
        sys.meta_path.insert(1, _Precompiled(codes))


def _learner_source(path: str, name: str) -> bytes:
    """The bytes of one of the learner's files, at most ``LEARNER_FILE_LIMIT_BYTES`` of them."""
    with open(path, "rb") as handle:
        source = handle.read(LEARNER_FILE_LIMIT_BYTES + 1)
    if len(source) > LEARNER_FILE_LIMIT_BYTES:
        raise ImportError(f"{name}.py is larger than {LEARNER_FILE_LIMIT_BYTES // 1024} KB")
    return source


def _named_codes(code: types.CodeType, learner_dir: str, own: str, kept: _CodeFolder) -> dict[str, types.CodeType]:
    """The learner's other files that ``code`` names (and those they name in turn), compiled, by module name.

    A name is any name the code uses (an import's among them): a file named but
    never imported is compiled and kept for nothing, and never run.  A file that
    does not compile, or is larger than ``NAMED_FILE_LIMIT_BYTES`` (an exercise
    file is a few KB; a megabyte takes Python half a second), is left out, for
    the worker that imports it to compile and report as it would without a
    code folder, within its own limits.
    """
    try:
        files = {entry[:-3] for entry in os.listdir(learner_dir) if entry.endswith(".py")}
    except OSError:
        return {}
    codes: dict[str, types.CodeType] = {}
    tried = {own}
    pending = [code]
    while pending:
        for module in sorted((_names(pending.pop()) & files) - tried):
            tried.add(module)
            path = os.path.join(learner_dir, module + ".py")
            try:
                if os.stat(path).st_size > NAMED_FILE_LIMIT_BYTES:
                    continue
                codes[module] = kept.code(_learner_source(path, module), path)
            except (SyntaxError, ValueError, OSError, ImportError, RecursionError, MemoryError):
                continue
            pending.append(codes[module])
    return codes


def _names(code: types.CodeType) -> set[str]:
    """Every name ``code`` and the code objects within it use (an ``import``'s module among them)."""
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


def _refile(code: types.CodeType, path: str) -> types.CodeType:
    """``code`` and every code object within it, as compiled from a file at ``path``."""
    constants = tuple(_refile(item, path) if isinstance(item, types.CodeType) else item for item in code.co_consts)
    return code.replace(co_filename=path, co_consts=constants)


class _CodeFolder:
    """Code compiled from learners' files, kept in the pool's folder by the SHA-256 of their bytes.

    Read and written only by servers, before they confine themselves and before
    any learner code runs in them; workers can neither read nor write the
    folder (their Landlock rules name it nowhere), so what it holds is only ever
    what ``compile`` made of the very bytes its name is the digest of.  So in a
    batch, learners whose files have the same bytes share one file: what runs
    is what compiling those bytes makes either way, under each learner's own
    file name.  The pool removes the oldest files (``SandboxPool``).  Without
    a folder, each file is compiled.
    """

    def __init__(self, folder: object) -> None:
        self.folder = folder if isinstance(folder, str) and os.path.isabs(folder) else None

    def code(self, source: bytes, path: str) -> types.CodeType:
        """The code of ``source`` as compiled from ``path``: kept code when there is some, else compiled (and kept)."""
        if self.folder is None or len(source) > NAMED_FILE_LIMIT_BYTES:  # a folder in RAM is no place for megabytes
            return compile(source, path, "exec", dont_inherit=True)
        import hashlib
        import marshal

        file = os.path.join(self.folder, hashlib.sha256(source).hexdigest() + CODE_SUFFIX)
        try:
            fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                size = os.fstat(fd).st_size
                data = os.read(fd, size + 1) if size <= CODE_LIMIT_BYTES else b""
            finally:
                os.close(fd)
            found = marshal.loads(data) if 0 < len(data) <= size else None
            if isinstance(found, types.CodeType):
                return _refile(found, path)
        except (OSError, ValueError, EOFError, TypeError):  # none kept yet, or not whole: compiled afresh
            pass
        code = compile(source, path, "exec", dont_inherit=True)
        part = f"{file}.{os.urandom(8).hex()}.part"  # every server is PID 1 of its namespace: no PID in the name
        try:
            data = marshal.dumps(code)
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                _write_all(fd, [data])
            finally:
                os.close(fd)
            os.replace(part, file)
        except (OSError, ValueError):  # not kept: the next grading compiles it again
            try:
                os.unlink(part)
            except OSError:
                pass
        return code


def _prepare_files(manifest: Json) -> None:
    """Let the sandbox user read the learner's files and the probes' inputs, and nobody else."""
    gid = _CONFINEMENT.SANDBOX_GID
    # a probe's inputs in the pool's shared folder (``inputs_dir``) need no folder of its own
    folders = [manifest["learner_dir"]] + [probe["dir"] for probe in manifest["probes"] if os.path.isdir(probe["dir"])]
    os.chmod(os.path.dirname(manifest["learner_dir"]), 0o711)
    for folder in folders:
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o750)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            os.chown(path, 0, gid, follow_symlinks=False)
            os.chmod(path, 0o640, follow_symlinks=False)


def _address_space_in_use() -> int:
    """Bytes of virtual memory this process has mapped now (``VmSize``), 0 when unknown."""
    try:
        # /proc/self/statm's first field is VmSize in pages: one short read, not /proc/self/status line by line
        fd = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
        try:
            return int(os.read(fd, 256).split()[0]) * os.sysconf("SC_PAGE_SIZE")
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _prepare_confinement() -> None:
    """What confining is the same for every server: found once per process (a zygote's servers inherit it).

    The highest capability number, whether the sandbox user could read Python
    and NumPy, and the seccomp program.
    """
    if "python_readable" in _SETUP:
        return
    _SETUP["last_capability"] = _CONFINEMENT.last_capability()
    needed = [os.path.dirname(os.__file__), os.path.realpath(os.path.join(sys.argv[1], "numpy"))]
    _SETUP["python_readable"] = int(_CONFINEMENT.readable_by_others(needed))
    _CONFINEMENT.prepare_seccomp()


def _python_rulesets() -> list[int]:
    """Two Landlock rulesets that let Python's paths be read (the zygote's, opened once): the workers' and the server's.

    Each gets the request's own folders later (``confinement.add_paths``).  A spare
    builds them while it waits for its request (``_zygote_child``): their hundreds
    of rules (a system call each) are then not part of any grading's time.
    """
    return [_CONFINEMENT.landlock_ruleset([], [], opened_read=_ZYGOTE_OPENED) for _ in range(2)]


def _run_manifest(manifest: Json, numpy_module: types.ModuleType) -> None:
    """Serve one submission's probes, then kill whatever the learner's code left behind."""
    global _SANDBOX_USER
    _resolve_steps(manifest)
    _MANIFEST.clear()
    _MANIFEST.update(manifest)
    sys.path.insert(0, manifest["learner_dir"])
    sys.dont_write_bytecode = True
    _precompile(manifest)
    if _CONFINEMENT is not None:
        python = _ZYGOTE_PATHS or _python_paths(manifest, numpy_module)
        _READABLE[:] = [manifest["learner_dir"], *python]
        # the unprivileged user only where it can read Python itself (not under /root, say)
        _prepare_confinement()
        _SANDBOX_USER = bool(manifest.get("sandbox_user", True)) and os.geteuid() == 0
        _SANDBOX_USER = _SANDBOX_USER and bool(_SETUP["python_readable"])
        if _SANDBOX_USER:
            _prepare_files(manifest)
        # the workers' ruleset: learner code reads only Python, NumPy and its files, and writes nothing;
        # the server's own: it may read what it needs and write only its out/ folder
        work_dir = os.path.dirname(manifest["learner_dir"])
        read = [work_dir, "/proc"] if _ZYGOTE_OPENED else [*python, work_dir, "/proc"]
        if manifest.get("inputs_dir"):  # a pool's inputs, shared by its servers: read, never written
            read.append(str(manifest["inputs_dir"]))
        own: int | None = None  # the server's own ruleset, when one was built before
        if _ZYGOTE_OPENED:  # the zygote opened Python's paths once for every server (the same paths)
            workers, own = _PYTHON_RULESETS or _python_rulesets()
            _SETUP["ruleset"] = _CONFINEMENT.add_paths(workers, [manifest["learner_dir"]], [os.devnull])
        else:
            _SETUP["ruleset"] = _CONFINEMENT.landlock_ruleset(_READABLE, [os.devnull])
        _CONFINEMENT.landlock(read, [manifest["out_dir"], os.devnull], ruleset=own)
    _SETUP["address_space"] = _address_space_in_use() + ADDRESS_SPACE_ROOM
    # what the server holds now is shared with every worker it forks: keep the collector off it,
    # or each worker would copy those pages the first time a collection walks them
    gc.freeze()
    _serve(manifest)
    _kill_everything_else()


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


def _new_wake_pipe() -> None:
    """A wake-up pipe of this process's own (a fork must not share its parent's)."""
    global _WAKE_READ, _WAKE_WRITE
    _WAKE_READ, _WAKE_WRITE = os.pipe()
    os.set_blocking(_WAKE_READ, False)
    os.set_blocking(_WAKE_WRITE, False)
    signal.set_wakeup_fd(_WAKE_WRITE)
    signal.signal(signal.SIGCHLD, lambda *_: None)


class _Server:
    """A server the zygote forked, and the pipe that brings it its manifest's path.

    The zygote keeps the pipe's read end as well: once the server has ended,
    whether the path is still in the pipe tells whether it ever took its request.
    """

    def __init__(self, pid: int, path_read: int, path_write: int) -> None:
        self.pid = pid
        self.path_read = path_read
        self.path_write = path_write  # -1 once the path was handed over
        self.request = ""
        self.manifest_path = ""
        self.killed = False  # by a ``kill`` request: its end is the answer, whatever it took
        self.retried = False  # a fresh server for a request whose first one ended before taking it

    def hand(self, request: str, manifest_path: str) -> None:
        """Give the waiting server its request; the zygote's write end closes, so the server reads the path and EOF."""
        self.request, self.manifest_path = request, manifest_path
        os.write(self.path_write, manifest_path.encode())  # at most 4 KB into an empty pipe: never blocks
        self.close_write()

    def close_write(self) -> None:
        if self.path_write >= 0:
            os.close(self.path_write)
            _ZYGOTE_PIPES.discard(self.path_write)
            self.path_write = -1

    def took_its_path(self) -> bool:
        """After the server ended: whether it read its manifest's path (False: it ended while it waited).

        Nobody else writes the pipe by then, so a read end with nothing to read is at its end.
        """
        readable, _, _ = select.select([self.path_read], [], [], 0)
        left = os.read(self.path_read, 1) if readable else b""
        os.close(self.path_read)
        _ZYGOTE_PIPES.discard(self.path_read)
        self.close_write()
        return not left


def _fork_spare(numpy_module: types.ModuleType) -> _Server:
    """Fork a server ahead of its request: it takes every step no manifest decides, then waits for its manifest's path.

    It becomes PID 1 of its own namespaces, leaves the zygote's session and
    streams, and closes every pipe of the zygote's but its own read end (no
    other server's request reaches it), all before it blocks on that pipe.
    """
    path_read, path_write = os.pipe()
    _ZYGOTE_PIPES.update((path_read, path_write))
    try:
        pid, pid_one = _fork_server()
    except BaseException:
        for fd in (path_read, path_write):
            os.close(fd)
            _ZYGOTE_PIPES.discard(fd)
        raise
    if pid == 0:
        _zygote_child(path_read, numpy_module, pid_one)
    return _Server(pid, path_read, path_write)


class _Servers:
    """The zygote's servers: the ones running a request, by pid, and the spare forked ahead."""

    def __init__(self, numpy_module: types.ModuleType) -> None:
        self.numpy_module = numpy_module
        self.running: dict[int, _Server] = {}
        self.spare: _Server | None = None
        self.ready()

    def run(self, request: str, manifest_path: str) -> None:
        """Hand ``request`` to the spare (a fresh server when there is none)."""
        server = self.spare if self.spare is not None else _fork_spare(self.numpy_module)
        self.spare = None
        if len(manifest_path.encode()) > MANIFEST_PATH_BYTES:  # no such path: the server ends at once
            manifest_path = ""
        server.hand(request, manifest_path)
        self.running[server.pid] = server

    def kill(self, request: str) -> None:
        for server in self.running.values():
            if server.request == request:
                server.killed = True
                _kill_group(server.pid)

    def ended(self, pid: int, status: int) -> None:
        """A child ended: answer ``done`` for its request, or run that again if its server never took it."""
        if self.spare is not None and pid == self.spare.pid:
            self.spare.took_its_path()  # closes its pipe; the next request forks a fresh server
            self.spare = None
            return
        server = self.running.pop(pid, None)
        if server is None:
            return
        if not server.took_its_path() and not server.killed and not server.retried:
            try:
                again = _fork_spare(self.numpy_module)
            except OSError:  # no fork now (no memory, too many processes): that server's end is the answer
                pass
            else:
                again.retried = True
                again.hand(server.request, server.manifest_path)
                self.running[again.pid] = again
                return
        sys.stdout.write(f"done {server.request} {os.waitstatus_to_exitcode(status)}\n")
        sys.stdout.flush()

    def ready(self) -> None:
        """Fork the next spare, if there is none (if the fork fails, the next request forks its server itself)."""
        if self.spare is None:
            try:
                self.spare = _fork_spare(self.numpy_module)
            except OSError:
                pass

    def end(self) -> None:
        spare = [self.spare.pid] if self.spare is not None else []
        for pid in [*self.running, *spare]:
            _kill_group(pid)


def _zygote(numpy_module: types.ModuleType) -> None:
    """Fork a confined server per request; for batches, where start-up time adds up.

    Requests on stdin, one per line: ``run ID MANIFEST_PATH``, ``kill ID`` or
    ``load PATH`` (one of the pool's shared files: an input or a probe's
    steps, see ``_load_shared``).  Answers on stdout: ``done ID EXIT_STATUS``
    when that server has ended.  The zygote itself never runs learner code:
    each server is a fresh fork that enters its own namespaces before any
    probe runs.

    One server, the spare, is forked ahead and waits, its namespaces made,
    for the next ``run``; the zygote forks the next spare once the request is
    on its way.  A spare serves one request and ends.  A spare that died while
    it waited is replaced at the next request, and a request whose server
    ended before it took the manifest's path runs once more in a fresh server.
    """
    servers = _Servers(numpy_module)
    pending = b""
    stdin = sys.stdin.buffer.fileno()
    os.set_blocking(stdin, False)
    while True:
        select.select([stdin, _WAKE_READ], [], [], 0.5)
        try:
            while os.read(_WAKE_READ, 4096):
                pass
        except BlockingIOError:
            pass
        for pid, status in _reap().items():
            servers.ended(pid, status)
        try:
            chunk = os.read(stdin, 65536)
        except BlockingIOError:
            continue
        if not chunk:
            servers.end()
            os._exit(0)
        pending += chunk
        *lines, pending = pending.split(b"\n")
        loads: list[str] = []
        for line in lines:
            words = line.decode(errors="replace").split(" ", 2)
            if words[0] == "run" and len(words) == 3:
                servers.run(words[1], words[2])
            elif words[0] == "kill" and len(words) >= 2:
                servers.kill(words[1])
            elif words[0] == "load" and len(words) >= 2:
                loads.append(line.decode(errors="replace")[len("load ") :])
        # after the requests are on their way: the inputs and steps, then the next spare, which inherits them
        for path in loads:
            _load_shared(path)
        if loads:
            gc.freeze()  # as at the zygote's start: no server's collection walks what it shares
        servers.ready()


def _load_shared(path: str) -> None:
    """Read and parse one of the pool's shared files once (``load PATH``), for every server forked from now on.

    Only a file of the pool's own ``inputs`` folder as the pool writes them
    (``_pool_file``) is kept: an input array (``.npy``, ``_parsed_input``) or
    a probe's steps (``.json``, ``_parsed_steps``).  Anything else is ignored:
    a worker reads such an input as it would without (``_input_array``), a
    server such steps (``_resolve_steps``).
    """
    global _INPUTS_BYTES
    steps = path.endswith(".json")
    kept: dict[str, Any] = _STEPS if steps else _INPUTS
    data = _pool_file(path, ".json" if steps else ".npy") if path not in kept else None
    parsed = None if data is None else (_parsed_steps if steps else _parsed_input)(data)
    if data is not None and parsed is not None:
        kept[path] = parsed
        _INPUTS_BYTES += len(data)


def _parsed_input(data: bytes) -> tuple[Any, tuple[int, ...], bytes] | None:
    """A shared input's (dtype, shape, values) for ``_input_array``; None unless a plain file of ``to_bytes``'s form."""
    try:
        array = _NPY.from_bytes(data)
        if _NPY.to_bytes(array) != data:  # not to_bytes's form (Fortran order, another header): left to the worker
            return None
    except (ValueError, MemoryError):
        return None
    return array.dtype, array.shape, array.tobytes()


def _parsed_steps(data: bytes) -> list[Json] | None:
    """A probe's shared steps, parsed; None unless a JSON list.

    A checks module built once (a grading server's, a batch's) gives the same
    steps to every grading: its servers then find them parsed in the zygote
    instead of parsing them from each manifest.
    """
    try:
        steps = json.loads(data)
    except (ValueError, RecursionError, MemoryError):
        return None
    return steps if isinstance(steps, list) else None


def _pool_file(path: str, suffix: str) -> bytes | None:
    """The bytes of one of the pool's shared files at ``path``, as the pool writes them; None for anything else.

    That is a file of the pool's own ``inputs`` folder (in the zygote's working
    folder, see ``SandboxPool.input_bytes``) named by the SHA-256 of its bytes
    and ``suffix``, holding those bytes, while the zygote keeps less than
    ``INPUTS_KEEP_BYTES`` of them.
    """
    name = os.path.basename(path)
    digest = name[: -len(suffix)]
    if not name.endswith(suffix) or len(digest) != 64 or digest.strip("0123456789abcdef"):
        return None
    try:
        folder = os.open(INPUTS_FOLDER, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        named, own = os.stat(os.path.dirname(path)), os.fstat(folder)
        if (named.st_dev, named.st_ino) != (own.st_dev, own.st_ino):
            return None  # a path outside the pool's inputs folder
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or _INPUTS_BYTES + info.st_size > INPUTS_KEEP_BYTES:
                return None
            data = os.read(fd, info.st_size + 1)
        finally:
            os.close(fd)
    except OSError:
        return None
    finally:
        os.close(folder)
    import hashlib

    if len(data) != info.st_size or hashlib.sha256(data).hexdigest() != digest:
        return None
    return data


def _resolve_steps(manifest: Json) -> None:
    """Put each probe's steps in its place: the zygote's, parsed once (``_load_shared``), or read from its file.

    A pool that shares its inputs names the file of a probe's steps
    (``steps_file``, see ``Sandbox._manifest_text``) instead of sending them.
    """
    for probe in manifest["probes"]:
        path = probe.pop("steps_file", None)
        if isinstance(path, str):
            steps = _STEPS.get(path)
            if steps is None:  # loaded after this server was forked, or not kept
                with open(path, "rb") as handle:
                    steps = json.loads(handle.read())
            probe["steps"] = steps


def _progress_channel(manifest: Json) -> None:
    """A pooled server's progress lines go to the grader's FIFO (``progress_path``), as a fresh server's to its stdout.

    Opened before the server confines itself, onto fd 1, which no worker keeps
    (each has its own pipes on fds 0-4).  The lines for a live display
    (``progress``) and the ``ready`` lines that let the grader judge probes
    while others run (``ready``) share it.  No FIFO, or no reader: neither.
    """
    path = manifest.get("progress_path")
    if not (manifest.get("progress") or manifest.get("ready")) or not isinstance(path, str):
        manifest["progress"] = manifest["ready"] = False
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        manifest["progress"] = manifest["ready"] = False
        return
    if stat.S_ISFIFO(os.fstat(fd).st_mode):
        os.dup2(fd, 1)
    else:
        manifest["progress"] = manifest["ready"] = False
    os.close(fd)


def _can_fork_into_pid_namespaces() -> int:
    """Whether this zygote can fork each server straight into a PID namespace of its own: a descriptor of its own.

    Tried once, in a throwaway child, because the way back can fail where the
    way in works (a user namespace's root may create PID namespaces but not
    return to the one it came from): -1 then, and every server makes its
    namespace itself, with a process that waits for it (``_become_pid_one``).
    """
    own = int(_CONFINEMENT.own_pid_namespace())
    if own < 0:
        return -1
    pid = os.fork()
    if pid == 0:
        works = _CONFINEMENT.next_child_in_new_pid_namespace() and _CONFINEMENT.back_to_pid_namespace(own)
        os._exit(0 if works else 1)
    _pid, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        os.close(own)
        return -1
    return own


def _fork_server() -> tuple[int, bool]:
    """Fork a server: its pid (0 in the child) and whether it is PID 1 of a fresh PID namespace.

    The zygote makes the namespace for its next child only and returns to its
    own at once: were it to stay, the next server would join this one's
    namespace.  If it can not return, it ends (and its servers with it): the
    grader starts a new zygote.
    """
    if _OWN_PID_NAMESPACE < 0 or not _CONFINEMENT.next_child_in_new_pid_namespace():
        return os.fork(), False
    try:
        pid = os.fork()
    except BaseException:
        _back_to_own_pid_namespace()
        raise
    if pid:
        _back_to_own_pid_namespace()
    return pid, True


def _back_to_own_pid_namespace() -> None:
    if not _CONFINEMENT.back_to_pid_namespace(_OWN_PID_NAMESPACE):
        os.killpg(0, signal.SIGKILL)  # the zygote and any server not yet in a session of its own


def _zygote_child(path_read: int, numpy_module: types.ModuleType, pid_one: bool) -> None:
    """A server forked by the zygote: its own session, streams and namespaces, then its request, then the probes."""
    try:
        for fd in _ZYGOTE_PIPES - {path_read}:  # other servers' pipes, and this one's write end
            os.close(fd)
        _ZYGOTE_PIPES.clear()
        # named as a spare until it has its request (the process that waits for its PID 1, if any, keeps the name)
        _name_process(SPARE_NAME)
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
            # if the zygote dies (the grader was killed), so does this server, and its namespace with it
            _CONFINEMENT.die_with_parent(signal.SIGKILL)
            if pid_one:  # forked as PID 1 of its own namespace already
                os.close(_OWN_PID_NAMESPACE)
                if not _ZYGOTE_NET:
                    _CONFINEMENT.enter_namespaces(pid=False, net=True)
            else:
                # the zygote is in its own network namespace already: only a PID namespace here
                _become_pid_one(net=not _ZYGOTE_NET)
                _new_wake_pipe()
        if _CONFINEMENT is not None and _ZYGOTE_OPENED:
            _PYTHON_RULESETS[:] = _python_rulesets()
        manifest_path = _manifest_path(path_read)
        if not manifest_path:  # the zygote ended before it had a request for this server
            return
        _name_process(SERVER_NAME)
        with open(manifest_path, "rb") as handle:
            manifest = json.loads(handle.read())
        _progress_channel(manifest)
        _run_manifest(manifest, numpy_module)
    finally:
        os._exit(0)


def _name_process(name: str) -> None:
    """Name this process (``ps``, ``/proc/PID/comm``): a spare that waits, or a server that grades.  Linux only."""
    try:
        fd = os.open("/proc/self/comm", os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.write(fd, name.encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def _manifest_path(path_read: int) -> str:
    """Wait for the zygote to hand over a manifest's path ("" when the zygote ended first, or the path is too long).

    The zygote writes the path and closes its end: the path is what comes before the pipe's end.
    """
    data = b""
    while chunk := os.read(path_read, MANIFEST_PATH_BYTES + 1):
        data += chunk
        if len(data) > MANIFEST_PATH_BYTES:
            return ""
    os.close(path_read)
    return data.decode(errors="replace")


def main() -> None:
    """Confine, load NumPy, wait for the manifest on stdin, run every probe.

    With ``--zygote`` it instead serves many manifests, one forked server each.
    """
    global _CONFINEMENT, _ZYGOTE_NET, _NPY, _OWN_PID_NAMESPACE
    options = sys.argv[2:]
    confine = "--no-confine" not in options
    zygote = "--zygote" in options
    confinement = _load_sibling("confinement.py")  # its C library calls, confining or not
    if confine:
        _CONFINEMENT = confinement
        _CONFINEMENT.die_with_parent(signal.SIGKILL)
        if not zygote:
            _become_pid_one()
        else:
            # one network namespace for the zygote and every server it forks (creating one costs ~10 ms)
            _ZYGOTE_NET = "net" in _CONFINEMENT.enter_namespaces(pid=False, net=True)
    confinement.keep_freed_memory()
    _new_wake_pipe()
    sys.meta_path.insert(0, _BlockGraderImports())
    sys.path.append(sys.argv[1])
    import numpy  # loaded once here so every fork starts warm
    import numpy.random  # noqa: F401 - lazy in NumPy 2; learners' Dropout and Probe.seed need it

    _NPY = _load_sibling("npyfile.py")

    if zygote:
        if _CONFINEMENT is not None:
            # the same for every server: no learner folder is on sys.path yet, none is excluded
            _ZYGOTE_PATHS[:] = _python_paths({"learner_dir": None}, numpy)
            _ZYGOTE_OPENED[:] = _CONFINEMENT.open_paths(_ZYGOTE_PATHS)
            _CONFINEMENT.prepare_rules(_ZYGOTE_OPENED)
            _OWN_PID_NAMESPACE = _can_fork_into_pid_namespaces()
            _prepare_confinement()
        # every server shares what the zygote holds now: no collection in a server may walk it (one that
        # did would write to each object it walks, hundreds of pages copied per server; a server's first
        # collections come at a point that shifts with everything the zygote allocated)
        gc.freeze()
        _zygote(numpy)
    _run_manifest(json.loads(sys.stdin.buffer.read()), numpy)
    sys.stdout.flush()
    # skip interpreter teardown (tens of milliseconds with NumPy loaded): the grader waits on it
    os._exit(0)


if __name__ == "__main__":
    main()
