"""Run learner code in a separate process and bring back what it computed.

The grader never executes a submission in its own interpreter.  A ``Sandbox``
starts ``server.py`` in a fresh ``python -I -S`` interpreter that can see
NumPy, the standard library and the learner's exercise files only.  That server
forks the workers that run the ``Probe``s; their results come back as ``.npy``
data read here with ``allow_pickle=False``.  Nothing a submission produced is
ever unpickled or executed in this process.

This module knows how to run probes and nothing about scoring: it returns a
``ProbeRun`` per probe, and the engine decides what the numbers mean.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import OutputError, SandboxError, UsageError
from grader.sandbox import plans, spawn
from grader.sandbox.plans import Plan
from grader.text import Text, untrusted

EXERCISE_FILE = re.compile(r"^ex\d\d_\w+\.py$")
DEFAULT_MEMORY_BYTES = 2 * 1024**3
# mirrored from server.py (loaded by path in the sandbox, it imports nothing of the grader)
RESULT_LIMIT_BYTES = 32 * 1024 * 1024
LEARNER_FILE_LIMIT_BYTES = 1024 * 1024
DICT_ITEMS_LIMIT = 256
SETUP_FAILED = 71

# a pool that keeps the code compiled from learners' files (``SandboxPool(keep_code=True)``) keeps at most this many
# files (one per version of a file) and bytes (its folder is in RAM where /dev/shm is), looked over every
# CODE_PRUNE_EVERY runs
CODE_KEPT = 256
CODE_KEPT_BYTES = 32 * 1024 * 1024
CODE_PRUNE_EVERY = 32


@dataclass(frozen=True)
class Ref:
    """A named value inside a probe (an input, a return value, an object)."""

    name: str


class Probe:
    """A short script of calls into the learner's module, run in one worker.

    Build it with the methods below; each returns a ``Ref`` that later steps can
    pass as an argument.  NumPy arrays given as arguments are sent as ``.npy``
    input files; plain Python scalars, strings, lists and ``None`` are sent as
    JSON literals.  ``save`` names what comes back for the verdict.
    """

    def __init__(self, timeout: float | None = None, names: str = "") -> None:
        self.timeout = timeout
        # the start of every name this probe makes: two probes with different ones can be joined (``then``)
        self.names = names
        # probes of one group (the function a check is about) share a fate: once one
        # times out, the server gives the rest of the group a short limit
        self.group = ""
        self.steps: list[dict[str, Any]] = []
        self.arrays: dict[str, Any] = {}
        self.saved: list[str] = []
        self._count = 0

    def _new_name(self, prefix: str) -> str:
        self._count += 1
        return f"{self.names}{prefix}{self._count}"

    def then(self, other: Probe) -> Probe:
        """A new probe: these steps, then ``other``'s, with ``other``'s timeout and group.

        For calls a check makes first, to diagnose what its own calls do (attempts on a
        probe made with ``names=`` of its own, so no name of the two clashes).
        """
        made = [step["out"] for step in (*self.steps, *other.steps) if "out" in step]
        made += [*self.arrays, *other.arrays]
        if len(set(made)) != len(made) or set(self.saved) & set(other.saved):
            raise ValueError("the probes to join use the same names; give one of them names= of its own")
        joined = Probe(other.timeout, other.names)
        joined.group = other.group
        joined.steps = [*self.steps, *other.steps]
        joined.arrays = {**self.arrays, **other.arrays}
        joined.saved = [*self.saved, *other.saved]
        joined._count = other._count
        return joined

    def _encode(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Ref):
            return {"ref": value.name}
        if type(value).__module__ == "numpy":
            return {"ref": self.array(value).name}
        if isinstance(value, (bool, int, float, str, type(None))):
            return {"lit": value}
        if isinstance(value, (list, tuple)) and all(isinstance(item, (bool, int, float)) for item in value):
            # shapes are tuples in the contract: keep the type, code like shape[:2] + (h, w) relies on it
            return {"tuple" if isinstance(value, tuple) else "lit": list(value)}
        raise TypeError(f"a probe can not send {type(value).__name__} values")

    def _step(self, op: str, out_prefix: str = "v", **fields: Any) -> Ref:
        out = self._new_name(out_prefix)
        self.steps.append({"op": op, "out": out, **fields})
        return Ref(out)

    def _call_fields(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        return {
            "args": [self._encode(a) for a in args],
            "kwargs": {key: self._encode(value) for key, value in kwargs.items()},
        }

    def array(self, value: Any) -> Ref:
        """Send ``value`` (an ndarray or NumPy scalar) as an input array."""
        import numpy as np

        name = self._new_name("in")
        self.arrays[name] = np.array(value, copy=True)
        return Ref(name)

    def call(self, target: str, *args: Any, **kwargs: Any) -> Ref:
        """Call the learner's function ``target``."""
        return self._step("call", target=target, **self._call_fields(args, kwargs))

    def attempt(self, target: str, *args: Any, **kwargs: Any) -> Ref:
        """Call the learner's function ``target`` to diagnose a mistake: if it raises, the value is None.

        The probe goes on after such an exception (a NotImplementedError or a
        MemoryError still ends it), so a call the learner's code need not
        survive, e.g. with its arguments swapped, can come before the real ones.
        """
        return self._step("call", target=target, guarded=True, **self._call_fields(args, kwargs))

    def attempt_method(self, obj: Ref, name: str, *args: Any, **kwargs: Any) -> Ref:
        """Call ``obj.name(*args, **kwargs)`` to diagnose a mistake: if it raises, the value is None.

        As ``attempt``, for a method: ``obj`` may itself be an attempt's None
        (the call then raises, so its value is None too).
        """
        return self._step("method", obj=obj.name, name=name, guarded=True, **self._call_fields(args, kwargs))

    def new(self, target: str, *args: Any, **kwargs: Any) -> Ref:
        """Construct the learner's class ``target``."""
        return self._step("new", target=target, **self._call_fields(args, kwargs))

    def method(self, obj: Ref, name: str, *args: Any, **kwargs: Any) -> Ref:
        """Call ``obj.name(*args, **kwargs)``."""
        return self._step("method", obj=obj.name, name=name, **self._call_fields(args, kwargs))

    def attr(self, obj: Ref, name: str) -> Ref:
        """Read ``obj.name`` (``None`` when the attribute does not exist)."""
        return self._step("getattr", obj=obj.name, name=name)

    def dict(self, **items: Ref | Any) -> Ref:
        """Build a dict of named values, for example ``params`` for an optimizer."""
        refs = {key: value if isinstance(value, Ref) else self.array(value) for key, value in items.items()}
        return self._step("dict", items={key: ref.name for key, ref in refs.items()})

    def list(self, *items: Ref | Any) -> Ref:
        """Build a list of values, for example the ``weights`` of ``l2_penalty``."""
        refs = [value if isinstance(value, Ref) else self.array(value) for value in items]
        return self._step("list", items=[ref.name for ref in refs])

    def item(self, obj: Ref, key: str) -> Ref:
        """Read ``obj[key]`` from a dict value."""
        return self._step("item", obj=obj.name, key=key)

    def copy(self, value: Ref) -> Ref:
        """Take a copy of an array as it is now (to see later in-place changes)."""
        return self._step("copy", src=value.name)

    def same(self, a: Ref, b: Ref) -> Ref:
        """A boolean: whether ``a`` and ``b`` are the same object."""
        return self._step("is", a=a.name, b=b.name)

    def seed(self, value: int) -> None:
        """Seed NumPy's legacy global generator, which learners' code often uses."""
        self.steps.append({"op": "seed", "value": int(value)})

    def function(self, name: str, **fields: Any) -> Ref:
        """Build one of the sandbox's own callables (see ``server``)."""
        encoded = {key: (value.name if isinstance(value, Ref) else value) for key, value in fields.items()}
        return self._step("func", name=name, **encoded)

    def save(self, value: Ref, name: str) -> None:
        """Bring ``value`` back to the grader under ``name``."""
        if name in self.saved:
            raise ValueError(f"probe output {name!r} saved twice")
        self.saved.append(name)
        self.steps.append({"op": "save", "src": value.name, "name": name})


@dataclass(frozen=True)
class Output:
    """One value a probe brought back."""

    name: str
    kind: str  # "array", "dict" or "none"
    pytype: str
    array: Any = None  # ndarray when kind == "array" and it could be saved
    items: dict[str, Any] = field(default_factory=dict)  # kind == "dict": key -> ndarray or None
    reason: str = ""  # why an array could not be saved
    item_reasons: dict[str, str] = field(default_factory=dict)  # kind == "dict": why an item is None


@dataclass(frozen=True)
class ProbeRun:
    """How a probe ended and what it returned."""

    # ok, error, not_implemented, missing, import_error, memory, timeout, crashed, exited,
    # tampered (the result channel held something no worker writes), too_large
    status: str
    outputs: dict[str, Output]
    message: str = ""
    exception: str = ""
    stdout: str = ""
    stderr: str = ""
    elapsed: float = 0.0
    step: int = -1
    source: str = ""  # the learner's file a NotImplementedError came from
    limit: float | None = None  # the time limit the probe ran under
    at_import: bool = False  # the learner's module did not import: every probe of the run shares this
    # the function whose earlier hang gave this probe a short limit (its own, or one its check calls)
    hung_function: str = ""
    # on a timeout, the learner's function the worker said was running, and the learner's function that
    # called it (or that called hung_function): the learner's process's word, shown to that learner only
    running_function: str = ""
    called_from: str = ""

    def output(self, name: str) -> Output:
        """Return the output ``name`` or raise ``OutputError``."""
        if name not in self.outputs:
            raise OutputError(f"no output {name!r}")
        return self.outputs[name]


@dataclass(frozen=True)
class SandboxEvent:
    """What the sandbox server does now, for a live display (``Sandbox.run(progress=...)``).

    ``kind`` is ``import`` (a worker imports the learner's module), ``start``
    (a worker calls into probe number ``probe``, again after a retry) or ``end``
    (the server has probe ``probe``'s verdict).  ``limit`` is the seconds that
    run may take (0 for ``end``).  Nothing is judged from events.
    """

    kind: str
    probe: int = -1  # index into the probes given to ``run``; -1 for ``import``
    limit: float = 0.0


ProgressCallback = Callable[[SandboxEvent], None]
# a probe's result, read while other probes still run: its index among the probes given to ``run``, and the run
ReadyCallback = Callable[[int, "ProbeRun"], None]


def parse_event(line: bytes, ids: dict[str, int]) -> SandboxEvent | None:
    """One line of the server's progress channel as an event; None for anything else."""
    words = line.decode("ascii", errors="replace").split()
    try:
        if len(words) == 2 and words[0] == "import":
            return SandboxEvent("import", -1, _limit_value(words[1]))
        if len(words) == 3 and words[0] == "start" and words[1] in ids:
            return SandboxEvent("start", ids[words[1]], _limit_value(words[2]))
        if len(words) == 2 and words[0] == "end" and words[1] in ids:
            return SandboxEvent("end", ids[words[1]])
    except ValueError:
        return None
    return None


def _function_name(value: object) -> str:
    """A record's function name (``relu``, ``Affine.backward``); "" for anything else."""
    if isinstance(value, str) and len(value) <= 100 and all(part.isidentifier() for part in value.split(".")):
        return value
    return ""


def _limit_value(word: str) -> float:
    value = float(word)
    if not math.isfinite(value) or not 0.0 <= value <= 86400.0:
        raise ValueError(word)
    return value


class Tampered(Exception):
    """Something read from the sandbox is not what the grader's own code writes."""


# Caps on everything read back from a probe (the server caps what it keeps, these hold even when
# confinement is off and a submission could write the files itself).
RECORD_LIMIT_BYTES = 256 * 1024
RESULT_JSON_LIMIT_BYTES = 4 * 1024 * 1024
MESSAGE_LIMIT_CHARS = 4000
STREAM_PREVIEW_CHARS = 4000
WORKER_STATUSES = ("ok", "error", "not_implemented", "missing", "import_error", "memory", "exited", "imported")
TAMPERED = Text(
    "the submission changed what the grader reads back from this check, so it could not be judged",
    "提出されたコードが、このチェックの結果として採点側が読み戻すデータを書き換えたため、判定できませんでした",
)


def read_untrusted(path: str | Path, limit: int) -> bytes:
    """The bytes of ``path``, which a submission may have replaced: a regular file of at most ``limit`` bytes.

    Never follows a symbolic link, never blocks on a FIFO, never reads a device
    or more than ``limit`` bytes; raises ``Tampered`` otherwise.
    """
    name = os.path.basename(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as problem:
        raise Tampered(f"{name}: {problem.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Tampered(f"{name} is not a regular file")
        if info.st_size > limit:
            raise Tampered(f"{name} holds {info.st_size} bytes (at most {limit} are read)")
        # a regular file reads whole in one call (one buffer, no joining); the byte asked beyond it says it grew
        chunks, size, ask = [], 0, info.st_size + 1
        while chunk := os.read(fd, min(ask, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise Tampered(f"{name} grew beyond {limit} bytes while it was read")
            ask = 1 << 20
        return b"".join(chunks)
    finally:
        os.close(fd)


def parse_frames(data: bytes) -> dict[str, memoryview]:
    """Split a worker's result stream into its named blobs (see ``server._Results``).

    Each blob is a view into ``data``, not a copy: an array's values are copied
    once, by ``npyfile.from_bytes``.
    """
    frames: dict[str, memoryview] = {}
    view = memoryview(data)
    at = 0
    while at < len(data):
        if at + 4 > len(data):
            raise Tampered("a result frame is cut short")
        (label_length,) = struct.unpack_from(">I", data, at)
        if label_length > 200 or at + 4 + label_length + 8 > len(data):
            raise Tampered("a result frame has a damaged header")
        label = data[at + 4 : at + 4 + label_length].decode("ascii", errors="replace")
        (length,) = struct.unpack_from(">Q", data, at + 4 + label_length)
        start = at + 4 + label_length + 8
        if start + length > len(data):
            raise Tampered(f"result frame {label!r} is cut short")
        if label in frames or not _FRAME_NAME.fullmatch(label):
            raise Tampered(f"unexpected result frame {label!r}")
        frames[label] = view[start : start + length]
        at = start + length
    return frames


_FRAME_NAME = re.compile(r"confined|imported|result\.json|out_[\x20-\x7e]{1,250}\.npy")


def _number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return float(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63 else 0


def _stream(record: dict[str, Any], name: str, learner_dir: Path) -> str:
    """What the submission printed on ``name`` as the server kept it, cut to whole lines and made safe to show."""
    text = record.get(name)
    if not isinstance(text, str) or not text:
        return ""
    # warnings name the sandbox's copy of the file; the learner knows it by its name
    text = text.replace(f"{learner_dir}{os.sep}", "")
    total, lines = _count(record.get(f"{name}_bytes")), _count(record.get(f"{name}_lines"))
    if len(text) <= STREAM_PREVIEW_CHARS and total <= len(text.encode("utf-8", errors="replace")):
        return untrusted(text, STREAM_PREVIEW_CHARS)
    text = text[:STREAM_PREVIEW_CHARS]
    if "\n" in text:
        text = text[: text.rindex("\n") + 1]
    kept = text.count("\n")
    return untrusted(text, STREAM_PREVIEW_CHARS) + (
        f"... ({max(0, lines - kept)} more lines cut; {total} bytes and {lines} lines in all)"
    )


def _scratch_dir(prefix: str) -> Path:
    """A fresh scratch folder named after this process, after sweeping away dead ones (``spawn.scratch_dir``)."""
    return Path(spawn.scratch_dir(prefix))


def learner_files(folders: Sequence[Path], *, skip: Path | None = None) -> dict[str, Path]:
    """The ``exNN_*.py`` files a submission may import, by file name; for a name in several folders, the first wins.

    ``folders`` come in order of precedence: the submission's own folder first
    (a learner's local ``ex01_activations.py`` wins), then e.g. the workspace's
    ``exercises/``.  Only regular files count: a symbolic link (to a
    classmate's file, say) is not followed; a folder that can not be listed
    adds nothing.  ``skip`` (the submission itself) is left out.
    """
    found: dict[str, Path] = {}
    for folder in folders:
        try:
            with os.scandir(folder) as listing:
                entries = sorted((entry.name, entry) for entry in listing if EXERCISE_FILE.match(entry.name))
        except OSError:
            continue
        for name, entry in entries:
            if name in found:
                continue
            path = Path(folder) / name
            if path == skip:
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)  # the listing's file type, else lstat
            except OSError:
                continue
            if regular:
                found[name] = path
    return found


def _copy_learner_file(source: Path, target: Path) -> None:
    """Copy a learner's file, refusing anything but a regular file of a sensible size."""
    try:
        data = read_untrusted(source, LEARNER_FILE_LIMIT_BYTES)
    except Tampered as problem:
        raise UsageError(
            f"{source}: can not be graded ({problem}); an exercise file is a regular file of at most "
            f"{LEARNER_FILE_LIMIT_BYTES // 1024} KB",
            f"{source}: 採点できません({problem})。課題のファイルは {LEARNER_FILE_LIMIT_BYTES // 1024} KB 以下の"
            "通常のファイルです",
        ) from None
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class Sandbox:
    """Runs probes against one learner module in an isolated process tree.

    Parameters
    ----------
    submission : Path
        The learner's file.  It is copied, with the other ``exNN_*.py`` files of
        its folder, into a fresh directory and imported there as ``module``.
    module : str
        The module name the exercise's contract fixes, e.g. ``ex05_im2col``.
    timeout : float
        Seconds one probe may run before its worker is killed; also what
        importing the module may take.
    jobs : int
        How many workers may run at once.
    import_folders : sequence of Path
        More folders whose ``exNN_*.py`` files the submission may import (a
        workspace's ``exercises/``), after its own folder (see ``learner_files``).
    share_after : float, optional
        Seconds the first worker runs probes alone before a second one (up to
        ``jobs``) takes half of the probes it has not started; the server's
        default (0.025) when None.
    share_inputs : bool
        Whether the probes' input arrays may go into the pool's shared folder
        when the pool shares inputs (``SandboxPool.shares_inputs``): only for
        probes built once and kept (a batch's, a grading server's), since the
        pool keeps every array it wrote for its life.  Otherwise each
        grading writes its own.
    """

    def __init__(
        self,
        submission: Path,
        module: str,
        *,
        timeout: float = 5.0,
        jobs: int = 2,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        pool: SandboxPool | None = None,
        import_folders: Sequence[Path] = (),
        share_after: float | None = None,
        share_inputs: bool = True,
    ) -> None:
        self.submission = Path(submission)
        self.share_inputs = share_inputs
        self.share_after = share_after
        self.import_folders = tuple(Path(folder) for folder in import_folders)
        self.pool = pool
        self.module = module
        self.timeout = float(timeout)
        self.jobs = max(1, int(jobs))
        self.memory_bytes = memory_bytes
        self.confine = spawn.confine_by_default()
        self._process: subprocess.Popen[bytes] | None = None
        started = spawn.take_early(self.confine) if pool is None else None
        if started is not None:  # the server this command started before it loaded the CLI (``spawn.start_early``)
            self.work_dir = Path(started.work_dir)
            self._process = started.process
        else:
            self.work_dir = _scratch_dir("grade")
        self.learner_dir = (self.work_dir / "learner").resolve()
        self.out_dir = self.work_dir / "out"
        self.sent: dict[str, Any] | None = None  # the last manifest ``run`` sent
        self.speculated = False  # whether ``speculate`` started a run
        self.adopted = False  # whether ``run`` took the results of the run ``speculate`` started
        self._speculation: _Speculation | None = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Copy the submission and start the server, which loads NumPy meanwhile."""
        self.learner_dir.mkdir()
        self.out_dir.mkdir()
        folders = (self.submission.parent, *self.import_folders)
        for name, path in learner_files(folders, skip=self.submission).items():
            if name == f"{self.module}.py":  # the submission is that module
                continue
            try:
                _copy_learner_file(path, self.learner_dir / name)
            except UsageError:
                continue
        _copy_learner_file(self.submission, self.learner_dir / f"{self.module}.py")
        if self.pool is not None or self._process is not None:
            return
        self._process = spawn.spawn_server(str(self.work_dir), self.confine)

    def run(
        self, probes: list[Probe], progress: ProgressCallback | None = None, ready: ReadyCallback | None = None
    ) -> list[ProbeRun]:
        """Run every probe and return their results in the same order.

        ``progress``, when given, is called with a ``SandboxEvent`` as probes
        start and end.  With a pool and ``ready`` or ``progress``, each probe's
        result is read as soon as the server has written it, while other probes
        still run, and handed to ``ready`` (its index and the ``ProbeRun``) when
        given, so the caller can judge it meanwhile.  A probe may be handed over
        more than once, and the list returned is what counts: a run handed over
        that is not the very object returned for its probe was replaced (the
        server wrote that probe's result again, e.g. when a later worker could
        not import the module, or the files changed otherwise).  Without a
        pool, ``ready`` is not called.
        """
        if self._process is None and not self.learner_dir.exists():
            self.start()
        manifest = self.manifest(probes)
        total = self._total(manifest)
        ids = [str(entry["id"]) for entry in manifest["probes"]]
        if self.pool is not None:
            speculation, self._speculation = self._speculation, None
            if speculation is not None:
                if speculation.text == _canonical(manifest) and speculation.progress == (progress is not None):
                    self.adopted = True
                    return speculation.adopt(progress, ready)
                speculation.cancel()
                shutil.rmtree(self.out_dir, ignore_errors=True)  # what the stopped run wrote
                self.out_dir.mkdir()
            return self._run_pooled(self.pool, dict(manifest), ids, total, progress, ready)
        assert self._process is not None
        if progress is not None:
            manifest = {**manifest, "progress": True}
            numbers = {probe_id: number for number, probe_id in enumerate(ids)}
            err = self._communicate(json.dumps(manifest).encode(), total, numbers, progress)
        else:
            try:
                _out, err = self._process.communicate(json.dumps(manifest).encode(), timeout=total)
            except subprocess.TimeoutExpired:
                self._kill()
                _out, err = self._process.communicate()
        if self._process.returncode not in (0, -signal.SIGKILL) and not self._any_reported(ids):
            raise SandboxError("the sandbox process failed to start:\n" + err.decode(errors="replace")[-2000:])
        return [self._collect(probe_id) for probe_id in ids]

    def manifest(self, probes: list[Probe]) -> dict[str, Any]:
        """What the sandbox server is sent to run ``probes``; their inputs are written on the way.

        With a pool that shares inputs, each array goes into the pool's folder
        (once per pool), else into a folder of the probe's.  Also kept as
        ``self.sent``, as ``run`` sends it.
        """
        from grader.sandbox import npyfile  # imports NumPy: only once the server is on its way

        shared = self._shares_inputs
        entries: list[dict[str, Any]] = []
        for index, probe in enumerate(probes):
            probe_dir = self.work_dir / f"p{index:03d}"
            files = {}
            if shared and self.pool is not None:
                # written once per batch into the pool's folder, which no sandbox process can write
                for name, value in probe.arrays.items():
                    files[name] = self.pool.input_file(value)
            else:
                probe_dir.mkdir()
                for name, value in probe.arrays.items():
                    npyfile.save(probe_dir / f"in_{name}.npy", value)
                    files[name] = f"in_{name}.npy"
            entries.append(
                {
                    "id": f"p{index:03d}",
                    "dir": str(probe_dir),
                    "arrays": files,
                    "steps": probe.steps,
                    "timeout": probe.timeout or self.timeout,
                    "group": probe.group,
                }
            )
        manifest: dict[str, Any] = {
            "learner_dir": str(self.learner_dir),
            "out_dir": str(self.out_dir),
            "module": self.module,
            "jobs": self.jobs,
            "import_timeout": self.timeout,
            "limits": {"memory_bytes": self.memory_bytes},
            "probes": entries,
        }
        if self.share_after is not None:
            manifest["share_after"] = float(self.share_after)
        if shared and self.pool is not None:
            manifest["inputs_dir"] = str(self.pool.inputs_dir)
        if self.pool is not None and self.pool.code_dir is not None:
            manifest["code_dir"] = str(self.pool.code_dir)
        self.sent = manifest
        return manifest

    @property
    def _shares_inputs(self) -> bool:
        """Whether the probes' inputs go into the pool's shared folder (a pool that shares, checks built once)."""
        return self.pool is not None and self.pool.shares_inputs and self.share_inputs

    def _total(self, manifest: dict[str, Any]) -> float:
        """Wall seconds the whole run may take before its server is killed."""
        return self.timeout + sum(float(entry["timeout"]) for entry in manifest["probes"]) / self.jobs + 10.0

    def speculate(self, plan: Plan, progress: bool) -> None:
        """Start running ``plan`` (a manifest kept from an earlier grading) before the checks are even built.

        ``run`` then builds the manifest of the checks as ever: if it is the
        very same (``progress`` telling whether it will pass progress on), it
        adopts this run, which had a head start; otherwise it stops it and runs
        its own.  Only with a pool that shares inputs (a grading server's); the
        plan's inputs go into the pool's folder, named by their bytes.
        """
        pool = self.pool
        if pool is None or not self._shares_inputs or self._speculation is not None:
            return
        if not self.learner_dir.exists():
            self.start()
        for data in plan.inputs.values():
            pool.input_bytes(data)
        manifest = plans.materialize(
            plan.manifest, self.work_dir, self.learner_dir, self.out_dir, pool.inputs_dir, pool.code_dir
        )
        self._speculation = _Speculation(self, pool, manifest, progress)
        self.speculated = True

    def _run_pooled(
        self,
        pool: SandboxPool,
        manifest: dict[str, Any],
        ids: list[str],
        total: float,
        progress: ProgressCallback | None,
        ready: ReadyCallback | None,
        requested: Callable[[str], None] | None = None,
    ) -> list[ProbeRun]:
        """Run the manifest in a server forked by ``pool``; with ``progress`` or ``ready``, read results as they come.

        Then the server writes most probes' files while others still run and
        says so on its progress FIFO (``ready ID``).  Such a line only says when
        to read: the files are read as any others (untrusted), and once the run
        has ended (or the server said ``final``: every file written for good,
        see ``SandboxPool.run_manifest``) each probe's result is the one read
        early only if neither of its files was replaced or changed since (same
        inode, size and times), else it is read again.  So the results are what
        reading every file at the end gives, as before, whoever wrote a line or
        a file meanwhile.  Without either (a batch: no one shows progress or
        judges early), there is no FIFO: each result is read once, after the
        run, with no line, wake-up or second look at its files per probe
        (measured: 1.5 of the bench's batch's 44 CPU seconds).
        """
        numbers = {probe_id: number for number, probe_id in enumerate(ids)}
        early: dict[str, tuple[tuple[tuple[int, ...], ...], ProbeRun]] = {}

        def read_early(probe_id: str) -> None:
            marks = self._marks(probe_id)
            if marks is None:  # nothing written (the server writes both files before its line): read at the end
                return
            try:
                run = self._collect(probe_id)
            except Exception:  # noqa: BLE001 - read again at the end, where the same error ends the run as before
                early.pop(probe_id, None)
                return
            early[probe_id] = (marks, run)
            if ready is not None:
                ready(numbers[probe_id], run)

        relay = None
        manifest["progress"] = progress is not None
        manifest["ready"] = progress is not None or ready is not None
        if manifest["ready"]:
            # the forked server writes its progress and ready lines to a FIFO of ours
            relay = _ProgressFifo(self.out_dir / "progress", numbers, progress, read_early)
            manifest["progress_path"] = str(relay.path)
        manifest_path = self.work_dir / "manifest.json"
        manifest_path.write_text(self._manifest_text(pool, manifest))
        try:
            code = pool.run_manifest(manifest_path, total, relay, requested=requested)
        finally:
            if relay is not None:
                relay.close()
        if code is None and not self._any_reported(ids):
            raise SandboxError("the sandbox pool did not answer")
        runs = []
        for probe_id in ids:
            read = early.get(probe_id)
            if read is not None and read[0] == self._marks(probe_id):
                runs.append(read[1])
            else:
                runs.append(self._collect(probe_id))
        return runs

    def _manifest_text(self, pool: SandboxPool, manifest: dict[str, Any]) -> str:
        """The manifest as its pooled server reads it: with shared inputs, each probe's steps named by their file.

        Checks built once (a grading server's, a batch's) give each of their
        gradings the same steps: the pool writes them once into its folder
        (``SandboxPool.steps_file``), its zygote parses them once, and no
        manifest carries them again (the ex07 manifest, 58 KB, was mostly steps).
        """
        if not self._shares_inputs:
            return json.dumps(manifest)
        probes = []
        for entry in manifest["probes"]:
            named = {key: value for key, value in entry.items() if key != "steps"}
            named["steps_file"] = pool.steps_file(entry["steps"])
            probes.append(named)
        return json.dumps({**manifest, "probes": probes})

    def _marks(self, probe_id: str) -> tuple[tuple[int, ...], ...] | None:
        """What tells one version of a probe's two files from another (None while either is missing).

        The server replaces a file whole (a new inode); a change in place moves its times and maybe its size.
        """
        marks = []
        base = f"{self.out_dir}{os.sep}{probe_id}"
        for suffix in (".json", ".result"):
            try:
                info = os.lstat(base + suffix)
            except OSError:
                return None
            marks.append((info.st_dev, info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        return tuple(marks)

    def _communicate(self, manifest: bytes, total: float, ids: dict[str, int], progress: ProgressCallback) -> bytes:
        """As ``Popen.communicate``, passing each progress line of the server's stdout on as it comes."""
        process = self._process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        deadline = time.monotonic() + total
        pending, err, line = memoryview(manifest), bytearray(), bytearray()
        with selectors.DefaultSelector() as selector:
            for stream, events in (
                (process.stdin, selectors.EVENT_WRITE),
                (process.stdout, selectors.EVENT_READ),
                (process.stderr, selectors.EVENT_READ),
            ):
                os.set_blocking(stream.fileno(), False)
                selector.register(stream, events)
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._kill()  # the whole run's limit, as communicate(timeout=...) keeps it
                    deadline = math.inf
                for key, _mask in selector.select(min(max(remaining, 0.0), 3600.0)):
                    if key.fileobj is process.stdin:
                        try:
                            pending = pending[os.write(process.stdin.fileno(), pending[: 1 << 16]) :]
                        except BrokenPipeError:
                            pending = pending[:0]
                        if not pending:
                            selector.unregister(process.stdin)
                            process.stdin.close()
                        continue
                    chunk = os.read(key.fd, 1 << 16)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    elif key.fileobj is process.stderr:
                        err = (err + chunk)[-65536:]  # the end says why it failed (only its last 2000 bytes are shown)
                    else:
                        line += chunk
                        *complete, rest = bytes(line).split(b"\n")
                        line = bytearray(rest[:200])  # a line longer than any the server writes is noise
                        for text in complete:
                            event = parse_event(text, ids)
                            if event is not None:
                                progress(event)
        process.stdout.close()
        process.stderr.close()
        process.wait()
        return bytes(err)

    def _any_reported(self, ids: list[str]) -> bool:
        return any((self.out_dir / f"{probe_id}.json").exists() for probe_id in ids)

    def _collect(self, probe_id: str) -> ProbeRun:
        """Read what the server recorded for one probe; anything malformed costs this probe only."""
        try:
            record = self._record(probe_id)
        except Tampered:
            return ProbeRun("tampered", {}, message=TAMPERED.en)
        if record is None:
            return ProbeRun("timeout", {}, message="the whole run's time limit was reached")
        common: dict[str, Any] = {
            "stdout": _stream(record, "stdout", self.learner_dir),
            "stderr": _stream(record, "stderr", self.learner_dir),
            "elapsed": _number(record.get("elapsed")),
            "limit": _number(record.get("limit"), self.timeout),
            "at_import": record.get("import_failed") is True,
            "hung_function": _function_name(record.get("hung_function")),
            "running_function": _function_name(record.get("running_function")),
            "called_from": _function_name(record.get("called_from")),
        }
        try:
            frames: dict[str, memoryview] | None = parse_frames(
                read_untrusted(os.path.join(self.out_dir, f"{probe_id}.result"), RESULT_LIMIT_BYTES + (1 << 20))
            )
        except Tampered:
            frames = None  # the learner's code wrote into its result pipe; how the worker ended still counts
        if frames is not None and "confined" not in frames and record.get("exit_code") == SETUP_FAILED:
            raise SandboxError(
                "the sandbox could not confine a worker: the kernel refused a confinement step "
                "(grade in a container that allows Landlock, seccomp and namespaces, or report it)"
            )
        if record.get("timed_out") is True:
            return ProbeRun("timeout", {}, **common)
        if record.get("result_broken") is True and _count(record.get("result_bytes")) <= RESULT_LIMIT_BYTES:
            return ProbeRun("tampered", {}, message=TAMPERED.en, **common)
        signal_number = record.get("signal")
        if isinstance(signal_number, int) and not isinstance(signal_number, bool):
            if signal_number == signal.SIGXCPU:
                return ProbeRun("timeout", {}, **common)
            if _count(record.get("result_bytes")) > RESULT_LIMIT_BYTES:
                return ProbeRun("too_large", {}, message=f"{record['result_bytes']}", **common)
            known = signal_number in signal.Signals._value2member_map_
            name = signal.Signals(signal_number).name if known else str(signal_number)
            return ProbeRun("crashed", {}, message=name, **common)
        if frames is None:
            return ProbeRun("tampered", {}, message=TAMPERED.en, **common)
        if "result.json" not in frames:
            return ProbeRun("exited", {}, message=str(_count(record.get("exit_code"))), **common)
        try:
            return self._result(frames, common)
        except Tampered:
            return ProbeRun("tampered", {}, message=TAMPERED.en, **common)

    def _record(self, probe_id: str) -> dict[str, Any] | None:
        path = os.path.join(self.out_dir, f"{probe_id}.json")
        if not os.path.lexists(path):
            return None
        try:
            record = json.loads(read_untrusted(path, RECORD_LIMIT_BYTES))
        except (ValueError, RecursionError) as problem:
            raise Tampered(f"{probe_id}.json: {problem}") from None
        if not isinstance(record, dict):
            raise Tampered(f"{probe_id}.json is not a record")
        return record

    def _result(self, frames: Mapping[str, bytes | memoryview], common: dict[str, Any]) -> ProbeRun:
        raw = frames["result.json"]
        if len(raw) > RESULT_JSON_LIMIT_BYTES:
            raise Tampered("result.json is too large")
        try:
            result = json.loads(bytes(raw))
        except (ValueError, RecursionError) as problem:
            raise Tampered(f"result.json: {problem}") from None
        if not isinstance(result, dict) or result.get("status") not in WORKER_STATUSES:
            raise Tampered("result.json has no known status")
        outputs_info = result.get("outputs", {})
        if not isinstance(outputs_info, dict):
            raise Tampered("result.json: outputs is not a mapping")
        outputs = {str(name): self._output(str(name), info, frames) for name, info in outputs_info.items()}
        step = result.get("step", -1)
        return ProbeRun(
            str(result["status"]),
            outputs,
            message=untrusted(str(result.get("message", result.get("name", ""))), MESSAGE_LIMIT_CHARS),
            exception=untrusted(str(result.get("exception", "")), 100),
            step=step if isinstance(step, int) and not isinstance(step, bool) and -1 <= step < 10**6 else -1,
            source=untrusted(str(result.get("file", "")), 200),
            **common,
        )

    def _output(self, name: str, info: Any, frames: Mapping[str, bytes | memoryview]) -> Output:
        if not isinstance(info, dict):
            raise Tampered(f"output {name!r} is not described")
        kind = info.get("kind")
        pytype = untrusted(str(info.get("pytype", "?")), 100)
        if kind == "dict":
            described = info.get("items", {})
            if not isinstance(described, dict) or len(described) > DICT_ITEMS_LIMIT:
                raise Tampered(f"output {name!r} has a damaged item list")
            items, reasons = {}, {}
            for key, item in described.items():
                if not isinstance(item, dict):
                    raise Tampered(f"output {name!r}: item {key!r} is not described")
                key = untrusted(str(key), 200)
                items[key], reason = self._array(item, frames)
                if reason:
                    reasons[key] = f"{untrusted(str(item.get('pytype', '?')), 100)}: {reason}"
            reason = ""
            if _count(info.get("too_many")):
                reason = f"the dict holds {info['too_many']} items; the grader reads the first {DICT_ITEMS_LIMIT}"
            return Output(name, "dict", pytype, items=items, reason=reason, item_reasons=reasons)
        if kind == "array":
            array, reason = self._array(info, frames)
            return Output(name, "array", pytype, array=array, reason=reason)
        if kind == "none":
            return Output(name, "none", pytype)
        raise Tampered(f"output {name!r} is of no known kind")

    @staticmethod
    def _array(info: dict[str, Any], frames: Mapping[str, bytes | memoryview]) -> tuple[Any, str]:
        from grader.sandbox import npyfile

        if info.get("saved") is not True:
            return None, untrusted(str(info.get("reason", "not saved")), 500)
        data = frames.get(str(info.get("file")))
        if data is None:
            raise Tampered("an output names an array that was not sent")
        try:
            return npyfile.from_bytes(data), ""
        except (ValueError, MemoryError) as problem:
            raise Tampered(f"an output array is damaged: {problem}") from None

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Stop the server and every worker, and delete the working directory."""
        speculation, self._speculation = self._speculation, None
        if speculation is not None:  # never adopted (the checks could not be built, say)
            speculation.cancel()
        if self._process is not None:
            self._kill()
            if self._process.poll() is None or self._process.stdin and not self._process.stdin.closed:
                try:
                    self._process.communicate(timeout=5)
                except (subprocess.TimeoutExpired, ValueError):
                    pass
        if _LATER:
            _LATER[-1].append(self.work_dir)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)


def _canonical(manifest: dict[str, Any]) -> str:
    """``manifest`` as JSON with sorted keys: equal for equal manifests, tuples and lists alike (as sent)."""
    return json.dumps(manifest, sort_keys=True)


class _Gate:
    """A speculative run's callbacks: held back until the run is adopted, then passed on in order, and live after."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._held: list[tuple[bool, tuple[Any, ...]]] = []
        self._open = False
        self._progress: ProgressCallback | None = None
        self._ready: ReadyCallback | None = None

    def progress(self, event: SandboxEvent) -> None:
        self._pass(False, (event,))

    def ready(self, index: int, run: ProbeRun) -> None:
        self._pass(True, (index, run))

    def _pass(self, ready: bool, args: tuple[Any, ...]) -> None:
        with self._lock:
            if self._open:
                self._call(ready, args)
            else:
                self._held.append((ready, args))

    def _call(self, ready: bool, args: tuple[Any, ...]) -> None:
        target: Callable[..., None] | None = self._ready if ready else self._progress
        if target is not None:
            target(*args)

    def open(self, progress: ProgressCallback | None, ready: ReadyCallback | None) -> None:
        with self._lock:
            self._progress, self._ready, self._open = progress, ready, True
            held, self._held = self._held, []
            for is_ready, args in held:
                self._call(is_ready, args)


class _Speculation:
    """A run started from a kept plan (``Sandbox.speculate``), in a thread of its own, until adopted or cancelled."""

    def __init__(self, sandbox: Sandbox, pool: SandboxPool, manifest: dict[str, Any], progress: bool) -> None:
        import threading

        self.text = _canonical(manifest)
        self.progress = progress
        self.pool = pool
        self.gate = _Gate()
        self.request = ""
        self.cancelled = False
        self.runs: list[ProbeRun] = []
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(
            target=self._run, args=(sandbox, dict(manifest)), name="speculative run", daemon=True
        )
        self.thread.start()

    def _run(self, sandbox: Sandbox, manifest: dict[str, Any]) -> None:
        ids = [str(entry["id"]) for entry in manifest["probes"]]
        listen = self.gate.progress if self.progress else None
        try:
            self.runs = sandbox._run_pooled(
                self.pool, manifest, ids, sandbox._total(manifest), listen, self.gate.ready, self._requested
            )
        except BaseException as problem:  # noqa: BLE001 - handed to the adopter, or dropped with the run
            self.error = problem

    def _requested(self, request: str) -> None:
        """Note the run's request, sent just now; stop it at once if the run was cancelled meanwhile."""
        with self._lock:
            self.request = request
            if self.cancelled:
                self.pool.kill(request)

    def adopt(self, progress: ProgressCallback | None, ready: ReadyCallback | None) -> list[ProbeRun]:
        """The run's results, as ``Sandbox.run`` returns them; ``progress`` and ``ready`` get what it saw so far."""
        try:
            self.gate.open(progress, ready)
            while self.thread.is_alive():
                self.thread.join(0.5)
        except BaseException:  # Ctrl-C (the server's client): the run must not go on
            self.cancel()
            raise
        if self.error is not None:
            raise self.error
        return self.runs

    def cancel(self) -> None:
        """Stop the run (its server is killed, here or as soon as its request is sent) and wait until it has ended."""
        with self._lock:
            self.cancelled = True
            if self.request:
                self.pool.kill(self.request)
        self.thread.join()


_LATER: list[list[Path]] = []  # the folders of cleanup_later(), while one is open


@contextmanager
def cleanup_later() -> Iterator[list[Path]]:
    """Inside, a closed sandbox leaves its scratch folder for the caller, who deletes it after this.

    The grading server answers its client first and deletes then: deleting a
    grading's files (some milliseconds) is off the time the learner waits.  The
    sandbox processes are gone by then; only files remain, deleted on the way out
    of this block whatever happened inside.
    """
    folders: list[Path] = []
    _LATER.append(folders)
    try:
        yield folders
    finally:
        _LATER.remove(folders)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


class _ProgressFifo:
    """The grader's end of a pooled server's progress channel: a FIFO read without blocking.

    It carries the lines for a live display (``progress``), ``ready ID``
    lines, each handed to ``ready`` with the probe's id, and ``final`` once
    every probe's files are written for good (``final`` turns true).  Only
    the server can open it for writing (workers can write no file, and keep
    none of the server's descriptors); lines that are not the server's are
    ignored.
    """

    def __init__(
        self,
        path: Path,
        ids: dict[str, int],
        progress: ProgressCallback | None,
        ready: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.ids = ids
        self.progress = progress
        self.ready = ready
        self.line = b""
        self.final = False
        os.mkfifo(path, 0o600)
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def drain(self) -> bool:
        """Pass on every complete line written so far; False once the writer has closed (or none came yet)."""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return True
            if not chunk:  # no writer yet, or it closed
                return False
            *complete, rest = (self.line + chunk).split(b"\n")
            self.line = rest[:200]  # a line longer than any the server writes is noise
            for text in complete:
                if text == b"final":
                    self.final = True
                    continue
                if text.startswith(b"ready "):
                    probe_id = text[6:].decode("ascii", errors="replace")
                    if self.ready is not None and probe_id in self.ids:
                        self.ready(probe_id)
                    continue
                event = parse_event(text, self.ids) if self.progress is not None else None
                if event is not None and self.progress is not None:
                    self.progress(event)

    def wait(self, done: Any, wake: int, timeout: float) -> bool:
        """Pass lines on as they come until ``done`` (an Event) is set or ``final`` came; whether either did in time.

        ``wake`` is a pipe's read end written to when ``done`` is set, so this
        wakes at once for a line and for the end, with no ticking.  Once the
        FIFO has no writer (the server ended, or on a system whose FIFO reads
        as ended before one opened it), it is read every 50 ms instead.
        """
        deadline = time.monotonic() + timeout
        listening = True
        with selectors.DefaultSelector() as selector:
            selector.register(wake, selectors.EVENT_READ)
            selector.register(self.fd, selectors.EVENT_READ)
            while not done.is_set() and not self.final:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.drain()
                    return False
                selector.select(remaining if listening else min(remaining, 0.05))
                if not self.drain() and listening:
                    listening = False
                    selector.unregister(self.fd)
        self.drain()
        return True

    def close(self) -> None:
        """Stop reading (the server may still write: it then gets an error, and stops its lines)."""
        os.close(self.fd)


def _landlock_abi() -> int:
    """The kernel's Landlock ABI; confinement (and ctypes) imported only by a pool that shares inputs."""
    from grader.sandbox import confinement

    return confinement.landlock_abi()


class SandboxPool:
    """A warm sandbox "zygote" that forks one confined server per submission.

    ``grade exercise`` starts a fresh interpreter per run; a batch of hundreds of
    submissions would spend most of its time importing NumPy.  The pool starts
    one interpreter that loads NumPy and then, per request, forks a server that
    enters its own namespaces and runs that submission's probes, exactly as a
    fresh server would.  The zygote never runs learner code.  Thread-safe: many
    submissions may run at once.
    """

    def __init__(
        self,
        *,
        confine: bool | None = None,
        share_inputs: bool = False,
        keep_code: bool = False,
        started: spawn.Started | None = None,
    ) -> None:
        import threading

        # ``started``: a zygote started ahead (``spawn.start_zygote``, the grading server's first step)
        started = spawn.start_zygote(confine) if started is None else started
        self.work_dir = Path(started.work_dir)
        confine = started.confine
        self._process = started.process
        # with ``share_inputs`` (``grade batch``: one set of checks per exercise, for the pool's short
        # life), probes' inputs are written once for every submission that gets the same arrays; only
        # where Landlock keeps every sandbox process from writing them (else each gets its own copy)
        landlock = confine and (share_inputs or keep_code) and _landlock_abi() >= 1
        self.shares_inputs = share_inputs and landlock
        # the only folder whose files the zygote loads (``server.INPUTS_FOLDER``)
        self.inputs_dir = self.work_dir / "inputs"
        # with ``keep_code`` (the pools of the grading server, ``grade watch`` and ``grade batch``: the same files
        # graded again and again, or many learners' files alike), the code its servers compile from learners'
        # files, kept for the next grading of the same bytes (``server._CodeFolder``); only where Landlock keeps
        # every worker from reading or writing it
        self.code_dir: Path | None = None
        if keep_code and landlock:
            self.code_dir = self.work_dir / "code"
            self.code_dir.mkdir(mode=0o700, exist_ok=True)
        # id(an input array, or a probe's steps) -> (the object, kept alive; its file)
        self._shared: dict[int, tuple[Any, str]] = {}
        self._written: set[str] = set()  # the names of the files in ``inputs_dir``, once written or found there
        self._lock = threading.Lock()
        self._done: dict[str, threading.Event] = {}
        self._wakes: dict[str, int] = {}  # request -> a pipe's write end, written once its server is done
        self._codes: dict[str, int] = {}
        self._count = 0
        self._reader = threading.Thread(target=self._read_answers, daemon=True)
        self._reader.start()

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            words = line.decode(errors="replace").split()
            if len(words) == 3 and words[0] == "done":
                with self._lock:
                    event = self._done.get(words[1])
                    if event is not None:  # else nobody waits for it any more (its results were final)
                        self._codes[words[1]] = int(words[2])
                        self._set(words[1], event)
        with self._lock:  # the zygote is gone: nobody will answer any more
            for request, event in self._done.items():
                self._set(request, event)

    def _set(self, request: str, event: Any) -> None:
        """Set ``request``'s event and wake its waiter's ``select`` (with the lock held: the waiter closes the pipe)."""
        event.set()
        wake = self._wakes.get(request)
        if wake is not None:
            try:
                os.write(wake, b"d")
            except OSError:  # full (it was written before) or closed: the waiter is awake either way
                pass

    def _send(self, line: str) -> None:
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(line.encode() + b"\n")
            self._process.stdin.flush()

    def input_file(self, value: Any) -> str:
        """The path of a read-only ``.npy`` file holding ``value``, written the first time it is asked for.

        Files are named by the SHA-256 of their bytes, so equal arrays share one
        and a file never changes once written.  The pool's folder is outside
        every sandbox server's writable paths, and a worker reads its inputs
        before its own confinement, which does not let it read them again.
        Each new file is named to the zygote (``load PATH``), which reads and
        parses it once for every server it forks from then on.
        """
        from grader.sandbox import npyfile

        return self._shared_file(value, npyfile.to_bytes, ".npy")

    def steps_file(self, steps: list[dict[str, Any]]) -> str:
        """The path of a read-only file holding ``steps`` (a probe's) as JSON, written the first time it is asked for.

        As ``input_file``: named by the SHA-256 of its bytes, in the pool's
        folder, and named to the zygote, which parses it once for every server
        it forks from then on (``server._load_shared``).
        """
        return self._shared_file(steps, lambda value: json.dumps(value).encode(), ".json")

    def _shared_file(self, value: Any, encode: Callable[[Any], bytes], suffix: str) -> str:
        """The file of ``value`` (``input_bytes``), known by its identity: checks built once ask for the same object."""
        with self._lock:
            known = self._shared.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
        path = self.input_bytes(encode(value), suffix)
        with self._lock:
            self._shared[id(value)] = (value, path)
        return path

    def input_bytes(self, data: bytes, suffix: str = ".npy") -> str:
        """The path of the read-only file in the pool's inputs folder that holds ``data`` (see ``input_file``)."""
        name = f"{hashlib.sha256(data).hexdigest()}{suffix}"
        path = self.inputs_dir / name
        with self._lock:
            if name in self._written:  # by this pool: its folder keeps every file for the pool's life
                return str(path)
            written = not path.exists()
            if written:
                self.inputs_dir.mkdir(mode=0o755, exist_ok=True)
                part = path.with_suffix(".part")
                part.write_bytes(data)
                part.chmod(0o444)
                os.replace(part, path)
            self._written.add(name)
        if written:
            try:
                self._send(f"load {path}")
            except OSError:  # the zygote is gone: the request that needs this file will say so
                pass
        return str(path)

    def run_manifest(
        self,
        manifest_path: Path,
        timeout: float,
        channel: _ProgressFifo | None = None,
        requested: Callable[[str], None] | None = None,
    ) -> int | None:
        """Run one manifest in a fresh server; its exit status, or None when it was killed.

        ``channel``, when given, is the server's progress FIFO: its lines are
        passed on from this thread as they come, and once more when the server
        has ended.  Once it says ``final`` (every probe's files are written for
        good) this returns 0 at once, while the server cleans up and ends on its
        own; its ``done`` is then dropped.  ``requested``, when given, is told
        the request's name once it is sent (for ``kill``).
        """
        import threading

        wake_read = wake_write = -1
        with self._lock:
            self._count += 1
            request = str(self._count)
            event = self._done[request] = threading.Event()
            if channel is not None:
                wake_read, wake_write = os.pipe()
                os.set_blocking(wake_write, False)
                self._wakes[request] = wake_write
        try:
            self._send(f"run {request} {manifest_path}")
            if requested is not None:
                requested(request)
            try:
                finished = event.wait(timeout) if channel is None else channel.wait(event, wake_read, timeout)
            except BaseException:  # Ctrl-C (the grading server's client, a batch): its server must not run on
                self.kill(request)
                raise
            if not finished:
                self._send(f"kill {request}")
                event.wait(10)
                if channel is not None:
                    channel.drain()
        finally:
            with self._lock:  # a ``done`` that comes after this is dropped (``_read_answers``)
                self._done.pop(request, None)
                self._wakes.pop(request, None)
                code = self._codes.pop(request, None)
            if channel is not None:
                os.close(wake_read)
                os.close(wake_write)
        if self.code_dir is not None and int(request) % CODE_PRUNE_EVERY == 0:
            self._prune_code()
        if code is None and channel is not None and channel.final:
            return 0  # the server's results are final; it ends on its own
        return code

    def _prune_code(self) -> None:
        """Keep the newest files of the code folder (each one version of a file): ``CODE_KEPT``, ``CODE_KEPT_BYTES``."""
        assert self.code_dir is not None
        try:
            with os.scandir(self.code_dir) as listing:
                files = [(entry.stat(follow_symlinks=False), entry.path) for entry in listing]
        except OSError:
            return
        kept = size = 0
        for found, path in sorted(files, key=lambda file: file[0].st_mtime_ns, reverse=True):
            kept, size = kept + 1, size + found.st_size
            if kept <= CODE_KEPT and size <= CODE_KEPT_BYTES:
                continue
            try:
                os.unlink(path)
            except OSError:
                pass

    def kill(self, request: str) -> None:
        """Stop the server of ``request`` (its ``run_manifest`` then returns); nothing if it has ended."""
        try:
            self._send(f"kill {request}")
        except OSError:  # the zygote is gone, and its servers with it
            pass

    @property
    def alive(self) -> bool:
        """Whether the zygote still runs (it may have been killed from outside)."""
        return self._process.poll() is None

    def end_now(self) -> None:
        """End the zygote and every server it forked, waiting for nothing (its folder is left to the caller).

        The way out of a signal handler (the grading server's on SIGTERM, which
        then deletes its scratch folders, this pool's among them): no lock
        taken, no thread or process waited for.  The zygote's servers end with
        it (they die with their parent).
        """
        try:
            os.killpg(self._process.pid, signal.SIGKILL)  # a session of its own: its group is its pid
        except OSError:  # ended already
            pass

    def close(self) -> None:
        """End the zygote (it kills any server still running) and delete its folder."""
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
