"""The three routes a submission takes to the sandbox, for the hostile suite to run every attack on each.

- ``fresh``: ``engine.grade_exercise`` with a fresh ``Sandbox`` per call (``grade exercise --no-server``);
- ``pool``: inside ``engine.warm_pool``, the sandbox server forked from a warm zygote (``grade watch``,
  the grading server, ``grade batch``);
- ``server``: the real client (``grade exercise 1 --file X --format json``) against a real grading
  server (``grader.daemon``) in a private runtime folder: one server and one workspace per test module.

Each route gives the same kind of answer (``Graded``: every check's target, status and message
lines), so one test body asserts the same verdicts on every route.  After every grading the pool
and server routes also assert what only they can break: the zygote (and the daemon) lived on and
kept no process of the submission's, and the server answered this very request (not a client that
quietly graded in its own process) and left its runtime folder as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import classcode, launch
from grader.grading.engine import grade_exercise, warm_pool
from grader.grading.results import Status
from grader.sandbox.client import DEFAULT_MEMORY_BYTES, Probe, Sandbox, SandboxPool
from grader.sandbox.server import SPARE_NAME

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
CLIENT = [sys.executable, "-c", "from grader.launch import run; run()"]
ROUTES = ("fresh", "pool", "server")
# what the learner's code prints to hand a fact to the test through the report (``--show-output``)
FACTS_MARK = "HOSTILE-FACTS "


@dataclass(frozen=True)
class Line:
    """One line of a check's message (``.en`` as ``grader.text.Text`` has it)."""

    en: str


@dataclass(frozen=True)
class Seen:
    """One check's verdict as a route reports it."""

    name: str
    status: str
    lines: tuple[Any, ...]
    stdout: str = ""
    message: str = ""  # as ``--format json`` says it (English)

    @property
    def target(self) -> str:
        return self.name.split(":", 1)[0].strip()


@dataclass(frozen=True)
class Graded:
    """An exercise's verdicts as a route reports them."""

    results: tuple[Seen, ...]
    score: float
    output: str = ""  # all the client printed (the server route)

    @property
    def passed(self) -> bool:
        return all(check.status == Status.PASSED for check in self.results)


def _from_result(result: Any) -> Graded:
    seen = tuple(
        Seen(check.name, check.status, tuple(check.lines), check.stdout, check.message("en"))
        for check in result.results
    )
    return Graded(seen, result.score)


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children ...), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def spare_server(zygote: int) -> set[int]:
    """The zygote's spare: the server it forked ahead, waiting for its request (named ``SPARE_NAME`` meanwhile).

    A child of the zygote's, with nothing below it but, where it waits as PID 1 of its namespace's
    (``_become_pid_one``), that process.  No process of a submission is ever a child of the zygote's.
    """
    found: set[int] = set()
    for child in descendants(zygote):
        if _parent(child) != zygote or _name(child) != SPARE_NAME:
            continue
        below = descendants(child)
        if len(below) <= 1 and all(_name(pid) == SPARE_NAME for pid in below):
            found |= {child, *below}
    return found


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def settled(pid: int, expected: set[int], seconds: float = 5.0, zygote: int = 0) -> set[int]:
    """The processes below ``pid`` once they are ``expected`` (at once, normally), or what is left after ``seconds``.

    With ``zygote``, its spare server (``spare_server``) is not counted: it waits for the next grading.
    """
    deadline = time.monotonic() + seconds
    while True:
        found = descendants(pid)
        if zygote:
            found -= spare_server(zygote)
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def submission(folder: Path, override: str) -> Path:
    """The worked solution of exercise 1 with ``override`` appended (the layout of tests/submissions)."""
    path = folder / "ex01_activations.py"
    path.write_text(SOLUTION + "\n\n" + textwrap.dedent(override), encoding="utf-8")
    return path


def facts_submission(folder: Path, body: str) -> Path:
    """A file whose ``relu`` prints what ``body``'s ``relu`` found (for the report) and then answers right."""
    path = folder / "ex01_activations.py"
    path.write_text(
        SOLUTION
        + "\n\n"
        + textwrap.dedent(body)
        + "\n\n_facts_relu = relu\n\n\n"
        + "def relu(x):\n"
        + "    import json as _json\n"
        + f"    print({FACTS_MARK!r} + _json.dumps(np.asarray(_facts_relu(x)).tolist()), flush=True)\n"
        + "    return np.maximum(0, x)\n",
        encoding="utf-8",
    )
    return path


class Route:
    """How one route grades; the fresh route is ``grade_exercise`` as test_hostile.py always called it."""

    name = "fresh"
    # the memory cap of the hostile suite's allocations: small, so that reaching it takes a fraction of the
    # time limit even on a busy machine (the server grades with the default cap: no option sets another)
    memory_cap = 256 * 1024**2
    # secrets in the environment of the process that grades (not the client's): none of a fresh sandbox's
    held_secrets: tuple[str, ...] = ()

    def grade(
        self, path: Path, *, timeout: float | None = 2.0, memory_bytes: int | None = None, number: int = 1
    ) -> Graded:
        """Grade ``path`` as exercise ``number`` (``timeout`` None: the exercise's own); ``memory_bytes`` where
        the route can set it (not the server)."""
        memory = memory_bytes or DEFAULT_MEMORY_BYTES
        return _from_result(grade_exercise(number, path, timeout=timeout, memory_bytes=memory))

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """``grade ARGS`` in a process of its own, graded there (``DLGRADE_NO_SERVER=1``, as conftest sets it)."""
        return subprocess.run(
            [sys.executable, "-m", "grader", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "DLGRADE_NO_SERVER": "1", **(env or {})},
        )

    def facts(self, folder: Path, body: str, name: str = "facts") -> np.ndarray:
        """What ``body``'s ``relu(np.zeros(1))`` returned, run through a bare probe on this route."""
        learner = folder / "facts" / "ex01_activations.py"
        learner.parent.mkdir()
        learner.write_text(textwrap.dedent(body))
        probe = Probe()
        probe.save(probe.call("relu", np.zeros(1)), name)
        with Sandbox(learner, "ex01_activations", timeout=10.0, pool=self._pool()) as sandbox:
            run = sandbox.run([probe])[0]
        self.after()
        assert run.status == "ok", (run.status, run.message)
        return run.output(name).array

    def _pool(self) -> SandboxPool | None:
        return None

    def after(self) -> None:
        """What must hold after every grading on this route (nothing more for a fresh sandbox)."""


class PoolRoute(Route):
    """Graded as ``grade watch`` and the grading server grade: inside ``engine.warm_pool``, forked from a zygote."""

    name = "pool"

    def __init__(self, pool: SandboxPool) -> None:
        self.pool = pool
        self.zygote = pool._process.pid

    def grade(
        self, path: Path, *, timeout: float | None = 2.0, memory_bytes: int | None = None, number: int = 1
    ) -> Graded:
        with warm_pool(self.pool):
            memory = memory_bytes or DEFAULT_MEMORY_BYTES
            result = grade_exercise(number, path, timeout=timeout, memory_bytes=memory)
        self.after()
        return _from_result(result)

    def _pool(self) -> SandboxPool | None:
        return self.pool

    def after(self) -> None:
        assert self.pool.alive, "the zygote died"
        assert self.pool._process.pid == self.zygote
        left = settled(self.zygote, set(), zygote=self.zygote)
        assert not left, f"processes of the submission outlived its grading under the zygote: {sorted(left)}"


class ServerRoute(Route):
    """Graded by the real client against one real grading server (its own runtime folder and workspace)."""

    name = "server"
    memory_cap = DEFAULT_MEMORY_BYTES

    def __init__(self, base: Path) -> None:
        self.runtime = Path(tempfile.mkdtemp(prefix="dg-", dir="/tmp"))  # short: a socket path has <= 107 bytes
        self.runtime.chmod(0o700)
        self.workspace = base / "ws"
        (self.workspace / "exercises").mkdir(parents=True)
        (self.workspace / "exercises" / "ex01_activations.py").write_text(SOLUTION, encoding="utf-8")
        self.solution = self.workspace / "exercises" / "ex01_activations.py"
        # in the environment the server was started from (so in its /proc/PID/environ): never shown to a submission
        self.start_secret = uuid.uuid4().hex
        self.held_secrets = (self.start_secret,)
        self.env = {
            key: value for key, value in os.environ.items() if key not in ("DLGRADE_NO_SERVER", "GRADE_NO_CONFINE")
        }
        self.env.update(
            XDG_RUNTIME_DIR=str(self.runtime),
            DLGRADE_SERVER_IDLE="300",  # a server a crashed test run leaves behind goes by itself
            GRADE_LANG="en",
            GRADE_TEST_START_SECRET=self.start_secret,
        )
        self.socket = launch.socket_path(str(self.runtime / "dlgrade"), str(self.workspace.resolve()))
        first = self._client("exercise", "1", "--format", "json")
        assert first.returncode == 0, first.stderr
        # a client that waited 10 s in vain (a very busy machine) grades in its own process: the server it
        # started still comes up, and answers every later client
        deadline = time.monotonic() + 30
        while (found := self.status()) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert found is not None, "no grading server started"
        self.pid = int(found["pid"])
        self.requests = int(found["requests"])
        self.env.pop("GRADE_TEST_START_SECRET")  # only the first client, which started the server, had it
        zygotes = [pid for pid in descendants(self.pid) if _parent(pid) == self.pid]
        assert len(zygotes) == 1, f"the server should hold its zygote only: {zygotes}"
        self.zygote = zygotes[0]
        self.tree = settled(self.pid, descendants(self.pid), 0, zygote=self.zygote)
        assert len(self.tree) == 1, f"the server should hold its zygote (and its spare) only: {sorted(self.tree)}"
        # once its first grading was answered, the server writes the code of its classes for the next one
        # (grader.classcode): every file of its own is there before a submission runs
        code = f"{self.socket[: -len('.sock')]}.{classcode.file_name()}"
        while not os.path.exists(code) and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        self.files = sorted(os.listdir(self.runtime / "dlgrade"))

    def status(self) -> dict[str, Any] | None:
        return launch.ask(self.socket, "status")

    def _client(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLIENT, *args],
            cwd=self.workspace,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**self.env, **(env or {})},
        )

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """``grade ARGS`` sent by the real client to this module's server (which must answer it)."""
        before = self.requests
        completed = self._client(*args, env=env)
        self.after(before + 1)
        return completed

    def grade(
        self,
        path: Path,
        *,
        timeout: float | None = 2.0,
        memory_bytes: int | None = None,
        number: int = 1,
        env: dict[str, str] | None = None,
    ) -> Graded:
        """Graded by the server; the statuses from the result it records (``--record``), the rest from its JSON.

        ``env``: more variables in the client's environment (which the server takes for the request).
        """
        assert memory_bytes in (None, self.memory_cap), "the server grades with the default memory cap"
        limit = () if timeout is None else ("--timeout", f"{timeout:g}")
        completed = self.cli(
            "exercise", str(number), "--file", str(path), "--format", "json", *limit, "--show-output", "--record",
            env=env,
        )  # fmt: skip
        assert completed.returncode in (0, 1), completed.stderr
        document = json.loads(completed.stdout)
        workspace = Path(launch.find_workspace(str(path.resolve().parent)) or self.workspace)
        record = json.loads((workspace / ".grade" / "results" / f"ex{number:02d}.json").read_text())
        assert record["sha256"], record
        statuses = [check["status"] for check in record["checks"]]
        names = [check["name"] for check in document["checks"]]
        assert names == [check["name"] for check in record["checks"]]
        seen = tuple(
            Seen(
                check["name"],
                Status(status),
                tuple(Line(line) for line in check["message"].split("\n")),
                check["stdout"],
                check["message"],
            )
            for check, status in zip(document["checks"], statuses, strict=True)
        )
        return Graded(seen, document["score"], completed.stdout + completed.stderr)

    def facts(self, folder: Path, body: str, name: str = "facts") -> np.ndarray:
        """What ``body``'s ``relu`` found, printed by the learner's code and read from the server's report."""
        return self.facts_graded(folder, body)[0]

    def facts_graded(self, folder: Path, body: str, env: dict[str, str] | None = None) -> tuple[np.ndarray, Graded]:
        """``facts``, and the whole grading (what the client printed: ``Graded.output``)."""
        (folder / "facts").mkdir(parents=True)
        graded = self.grade(facts_submission(folder / "facts", body), timeout=10.0, env=env)
        printed = [check.stdout for check in graded.results if check.target == "relu" and FACTS_MARK in check.stdout]
        assert printed, [(check.name, check.status, check.lines) for check in graded.results]
        line = printed[0].split(FACTS_MARK, 1)[1].splitlines()[0]
        return np.asarray(json.loads(line)), graded

    def after(self, requests: int | None = None) -> None:
        """The server answered (``requests`` in all), lives on with only its zygote below it, its folder as it was."""
        found = self.status()
        assert found is not None, "the grading server did not survive"
        assert int(found["pid"]) == self.pid, "another grading server answered"
        if requests is not None:
            self.requests = int(found["requests"])  # kept right for the next test, whatever this one finds
            assert self.requests == requests, "the client did not grade through the server"
        left = settled(self.pid, self.tree, zygote=self.zygote)
        assert left == self.tree, f"processes below the server: {sorted(left)}, expected its zygote {sorted(self.tree)}"
        assert sorted(os.listdir(self.runtime / "dlgrade")) == self.files
        assert [path.name for path in (self.workspace / "exercises").iterdir()] == ["ex01_activations.py"]
        assert self.solution.read_text(encoding="utf-8") == SOLUTION
        assert found["version"] == launch.version_key(), "the grader's files changed"

    def correct_still_passes(self) -> None:
        """The worked solution, graded next by the same server, still passes."""
        done = self.cli("exercise", "1", "--file", str(self.solution), "--format", "json")
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["passed"]

    def close(self) -> None:
        answer = launch.ask(self.socket, "stop")
        if answer is not None:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    if Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                        break  # gone, not yet reaped by whoever adopted it
                except (OSError, IndexError):
                    break
                time.sleep(0.02)
        shutil.rmtree(self.runtime, ignore_errors=True)


@dataclass
class Routes:
    """The module's pool and server, made once when a test first asks for them."""

    base: Path
    pool: PoolRoute | None = None
    server: ServerRoute | None = None
    _pool: SandboxPool | None = None

    def get(self, name: str) -> Route:
        if name == "fresh":
            return Route()
        if name == "pool":
            if self.pool is None:
                self._pool = SandboxPool()
                self.pool = PoolRoute(self._pool)
            return self.pool
        if self.server is None:
            self.server = ServerRoute(self.base)
        return self.server

    def close(self) -> None:
        """Stop the server and end the zygote, once a correct file graded last on each still passes.

        Every hostile grading of the module but the last is followed by another whose untouched
        functions must pass; this is the one after the last.
        """
        try:
            if self.server is not None:
                self.server.correct_still_passes()
            if self.pool is not None:
                assert self.pool.grade(self.pool_solution()).passed
        finally:
            if self.server is not None:
                self.server.close()
            if self._pool is not None:
                self._pool.close()

    def pool_solution(self) -> Path:
        path = self.base / "solution" / "ex01_activations.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(SOLUTION, encoding="utf-8")
        return path


def module_routes(tmp_path_factory: Any) -> Iterator[Routes]:
    """For a module-scoped fixture: the routes, the server stopped and the zygote ended at the end."""
    routes = Routes(tmp_path_factory.mktemp("routes"))
    try:
        yield routes
    finally:
        routes.close()
