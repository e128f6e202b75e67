"""The grader never crashes on what learner code returns: every hostile value becomes a verdict.

For every check of every exercise in ``EXERCISES`` the battery below replaces
what the probe brought back by hostile values (None, 0, zeros of the right
shape, NaN, inf, other dtypes, other shapes, 0-d and empty arrays, object
arrays, 1e308, lists, tuples, dicts, an object whose ``__array__`` raises) and
lets the probe end in every abnormal way (an exception, also after a diagnostic
``Probe.attempt`` brought back a hostile value, a timeout, a crash ...);
``engine.judge`` must return a ``CheckResult`` whose text renders in both
languages and as JSON, and must never raise.

The fast route, and why it is faithful: the worked solution runs in this
process through the sandbox server's own step runner (``server._run_probe``,
loaded by path as the sandbox loads it), so every probe records the values its
saved outputs had.  A hostile value goes through the server's own ``save``
(``np.array(value)``, the numeric-dtype rule, ``.npy`` bytes in result frames)
and the client's own reading of those frames (``Sandbox._output``), exactly as
a value a worker returned; only the process boundary is skipped.  The battery
swaps one output at a time (the others stay right, so the verify functions get
past their first test) and all outputs at once.  Outputs the sandbox computes
itself (``probe.same``: an identity test, always a NumPy bool) are not
learner-controlled and keep their values.

The end-to-end tests grade a generated learner file, whose every contract
function and method returns one hostile value (or raises), through the real
sandbox and compare each verdict with the in-process route on the same file.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import random
import re
import sys
import tempfile
import textwrap
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile_routes import ROUTES, module_routes

from grader.grading.engine import ABNORMAL, EXERCISES, Check, Exercise, grade_exercise, judge
from grader.grading.hints import hint_ladders, with_first_hint
from grader.grading.results import CheckResult, Status
from grader.sandbox import npyfile
from grader.sandbox.client import Output, ProbeRun, Sandbox, parse_frames

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"

# -- the in-process route through the sandbox's own code ----------------------------------------


@cache
def _server() -> types.ModuleType:
    """``grader/sandbox/server.py`` loaded by path, as the sandbox loads it (it imports nothing of the grader)."""
    spec = importlib.util.spec_from_file_location("_hostile_returns_server", ROOT / "grader" / "sandbox" / "server.py")
    assert spec is not None
    assert spec.loader is not None
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    server._NPY = npyfile
    return server


# reads result frames as the client does; _result and _output use no state of a started sandbox
_READER = object.__new__(Sandbox)


def _frames(fill: Callable[[Any], Any]) -> tuple[dict[str, bytes], Any]:
    """The frames ``fill(results)`` sends through the server's ``_Results``, parsed as the client parses them."""
    with tempfile.TemporaryFile() as stream:
        results = _server()._Results(stream.fileno())
        extra = fill(results)
        results.flush()  # what a probe's result would have written first (output_of sends none)
        stream.seek(0)
        return parse_frames(stream.read()), extra


def replay(probe: Any, module: types.ModuleType, learner_dir: Path) -> tuple[ProbeRun, dict[str, Any]]:
    """Run ``probe`` on ``module`` in this process; the ProbeRun and every saved value as it was saved."""
    server = _server()
    saved: dict[str, Any] = {}

    class Recording(server._Env):  # type: ignore[name-defined,misc]
        def save(self, value: Any, name: str) -> None:
            saved[name] = value
            super().save(value, name)

    def fill(results: Any) -> None:
        inputs = {name: np.array(value, copy=True) for name, value in probe.arrays.items()}
        original = server._Env
        server._Env = Recording
        try:
            result = server._run_probe(np, module, {"steps": probe.steps}, inputs, str(learner_dir), results)
        finally:
            server._Env = original
        results.send("result.json", json.dumps(result).encode())

    frames, _ = _frames(fill)
    return _READER._result(frames, {}), saved


def output_of(name: str, value: Any) -> Output:
    """``value`` as the grader would read it back had a worker saved it under ``name``."""

    def fill(results: Any) -> Any:
        env = _server()._Env(np, None, results)
        env.save(value, name)
        return env.outputs[name]

    frames, info = _frames(fill)
    return _READER._output(name, info, frames)


def trusted_outputs(probe: Any) -> set[str]:
    """The outputs the sandbox computes itself (identity tests), which no learner code can change."""
    made_by = {step["out"]: step["op"] for step in probe.steps if "out" in step}
    return {step["name"] for step in probe.steps if step["op"] == "save" and made_by.get(step["src"]) == "is"}


@contextmanager
def importable(folder: Path) -> Iterator[None]:
    """Learner modules of ``folder`` importable by name (``from ex05_im2col import im2col``), then forgotten."""
    before = set(sys.modules)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - before:
            if Path(getattr(sys.modules[name], "__file__", None) or "/").parent == folder:
                del sys.modules[name]


@cache
def solution_runs(number: int) -> dict[int, tuple[ProbeRun, dict[str, Any]]]:
    """Every check's probe run on the worked solution, in this process, by the check's index."""
    exercise = EXERCISES[number]
    with importable(SOLUTIONS), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(exercise.module)
        return {index: replay(check.probe, module, SOLUTIONS) for index, check in enumerate(CHECKS[number])}


def verdict(check: Check, run: ProbeRun, exercise: Exercise) -> CheckResult:
    """What the engine makes of ``run``, rendered every way a result is shown or stored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN and inf are compared on purpose
        result = judge(check, run, exercise.timeout, exercise.module)
    assert isinstance(result, CheckResult)
    assert isinstance(result.status, Status)
    for lang in ("en", "ja"):
        assert isinstance(result.message(lang), str)
    json.dumps(result.to_data(), ensure_ascii=False)
    if result.status == Status.FAILED:
        assert result.lines, f"{check.name}: a failure that says nothing"
    return result


# -- the battery --------------------------------------------------------------------------------


def _as_floats(value: Any) -> np.ndarray:
    """The recorded value as a float array (its shape guides the hostile values), or a small stand-in."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return np.ones(3)
    return array


class _ArrayRefuses:
    """An object NumPy can not turn into an array: its ``__array__`` raises."""

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise RuntimeError("no array here")


def _integers(value: Any) -> np.ndarray:
    array = _as_floats(value)
    return np.where(np.isfinite(array), array, 0).astype(np.int64)


HOSTILE: dict[str, Callable[[Any], Any]] = {
    "None": lambda v: None,
    "int 0": lambda v: 0,
    "zeros": lambda v: np.zeros_like(_as_floats(v)),
    "nan": lambda v: float("nan"),
    "nan shaped": lambda v: np.full_like(_as_floats(v), np.nan),
    "inf shaped": lambda v: np.full_like(_as_floats(v), np.inf),
    "-inf shaped": lambda v: np.full_like(_as_floats(v), -np.inf),
    "huge": lambda v: np.full_like(_as_floats(v), 1e308),
    "-huge": lambda v: np.full_like(_as_floats(v), -1e308),
    "int dtype": _integers,
    "bool dtype": lambda v: _as_floats(v).astype(bool),
    "uint8": lambda v: np.full(_as_floats(v).shape, 255, np.uint8),
    "float16": lambda v: _as_floats(v).astype(np.float16),
    "complex": lambda v: _as_floats(v).astype(complex) + 1j,
    "str": lambda v: "hostile",
    "bytes array": lambda v: np.array([b"x", b"y"]),
    "extra axis": lambda v: np.ones((*_as_floats(v).shape, 2)),
    "flat, one short": lambda v: _as_floats(v).ravel()[:-1] if _as_floats(v).size > 1 else np.ones(2),
    "0-d": lambda v: np.float64(0.5),
    "empty": lambda v: np.empty((0,)),
    "object array": lambda v: np.array([None, 1.0], dtype=object),
    "big int": lambda v: 10**30,
    "True": lambda v: True,
    "list": lambda v: _as_floats(v).tolist(),
    "tuple": lambda v: tuple(_as_floats(v).ravel().tolist()),
    "dict": lambda v: {"a": 1.0, "b": None},
    "empty dict": lambda v: {},
    "__array__ raises": lambda v: _ArrayRefuses(),
}
RAISED = {"status": "error", "exception": "ValueError", "message": "ValueError: operands could not be broadcast"}
# values no check may pass when every output of the check is one of them
NEVER_PASS = ("None", "str", "object array", "dict", "__array__ raises")

ABNORMAL_RUNS = [
    *(
        ProbeRun(status, {}, message=message, exception=exception, source=source)
        for status in [*ABNORMAL, "no such status"]
        for message, exception, source in (
            (
                '  File "ex01_activations.py", line 3, in f\nValueError: shapes (2,3) and (4,5) not aligned',
                "ValueError",
                "ex01_activations.py",
            ),
            ("", "", ""),
        )
    ),
    ProbeRun("error", {}, message="TypeError: f() takes 1 positional argument but 2 were given", exception="TypeError"),
    ProbeRun("error", {}, message="PermissionError: Operation not permitted", exception="PermissionError"),
    ProbeRun("error", {}, message="\x1b[2J" + "x" * 5000, exception="KeyError"),
    ProbeRun("timeout", {}, limit=0.5),
]

CHECKS: dict[int, list[Check]] = {number: exercise.build_checks() for number, exercise in EXERCISES.items()}
CASES = [(number, index) for number, checks in CHECKS.items() for index in range(len(checks))]


def _case_id(case: tuple[int, int]) -> str:
    number, index = case
    return f"ex{number:02d}-{index:02d}-{CHECKS[number][index].name[:60]}"


def _has_solution(number: int) -> bool:
    return (SOLUTIONS / f"{EXERCISES[number].module}.py").is_file()


# (output, hostile value) pairs judged one at a time per check: a layer's gradient check saves
# dozens of outputs, and every pair of them would take seconds per check
PAIRS_PER_CHECK = 60


def one_at_a_time(check_name: str, names: list[str]) -> list[tuple[str, str]]:
    """Every (output, hostile value) pair, or a sample seeded by the check's name with every value in it."""
    pairs = [(name, label) for name in names for label in HOSTILE]
    if len(pairs) <= PAIRS_PER_CHECK:
        return pairs
    chosen = random.Random(check_name).sample(pairs, PAIRS_PER_CHECK)
    tried = {label for _, label in chosen}
    rng = random.Random(check_name + " names")
    return chosen + [(rng.choice(names), label) for label in HOSTILE if label not in tried]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_hostile_return_value_becomes_a_verdict(case):
    number, index = case
    if not _has_solution(number):
        pytest.skip(f"exercise {number} has no worked solution yet")
    exercise, check = EXERCISES[number], CHECKS[number][index]
    base, saved = solution_runs(number)[index]
    assert base.status == "ok", f"the worked solution does not run in-process: {base.status} {base.message}"
    assert verdict(check, base, exercise).passed, "the in-process route fails the worked solution"
    hostile_names = [name for name in saved if name not in trusted_outputs(check.probe)]
    crashes: list[str] = []
    passed: list[str] = []

    def attempt(label: str, outputs: dict[str, Output], **ended: str) -> CheckResult | None:
        try:
            return verdict(check, replace(base, outputs=outputs, **ended), exercise)
        except Exception as crash:  # noqa: BLE001 - collected, every crash of the check is listed at once
            crashes.append(f"{label}: {type(crash).__name__}: {crash}"[:300])
            return None

    hostile = {
        label: {name: output_of(name, make(saved[name])) for name in hostile_names} for label, make in HOSTILE.items()
    }
    for label, everything in hostile.items():
        result = attempt(f"every output {label}", {**base.outputs, **everything})
        if result is not None and result.passed and label in NEVER_PASS:
            passed.append(label)
        # the real call raised after a diagnostic attempt (Probe.attempt) brought back this value
        attempt(f"an exception after every output {label}", {**base.outputs, **everything}, **RAISED)
    for name, label in one_at_a_time(check.name, hostile_names):
        attempt(f"{name!r} {label}", {**base.outputs, name: hostile[label][name]})
        if isinstance(saved[name], dict) and saved[name]:
            items = {key: HOSTILE[label](item) for key, item in saved[name].items()}
            attempt(f"{name!r} items {label}", {**base.outputs, name: output_of(name, items)})
    attempt("no outputs at all", {})
    attempt("an exception after right outputs", base.outputs, **RAISED)
    attempt("an exception before any output", {}, **RAISED)
    assert not crashes, "\n".join(crashes)
    assert not passed, f"passed although every output was: {passed}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_abnormal_end_becomes_a_verdict(case):
    number, index = case
    exercise, check = EXERCISES[number], CHECKS[number][index]
    for run in ABNORMAL_RUNS:
        result = verdict(check, run, exercise)
        # NotImplementedError is "not attempted", or a failure when it comes from an earlier exercise's file
        expected = (Status.NOT_ATTEMPTED, Status.FAILED) if run.status == "not_implemented" else (Status.FAILED,)
        assert result.status in expected, (run.status, result.status)


@pytest.mark.parametrize("label", ["nan shaped", "None", "zeros", "int dtype"])
def test_hostile_everywhere_fails_every_exercise(label):
    """A submission whose every output is garbage passes no exercise (and no check of a value)."""
    make = HOSTILE[label]
    for number, checks in CHECKS.items():
        if not _has_solution(number):
            continue
        runs = solution_runs(number)
        results = []
        for index, check in enumerate(checks):
            base, saved = runs[index]
            trusted = trusted_outputs(check.probe)
            outputs = {
                name: base.outputs[name] if name in trusted else output_of(name, make(v)) for name, v in saved.items()
            }
            results.append(verdict(check, replace(base, outputs=outputs), EXERCISES[number]))
        assert not all(result.passed for result in results), f"exercise {number} passes with every output {label}"


# -- end to end: the real sandbox says the same --------------------------------------------------

HOSTILE_SOURCES = {
    "nan": "float('nan')",
    "None": "None",
    "object array": "np.array([None, 'x'], dtype=object)",
    "raises": "_raise()",
    "str": "'hostile'",
    "wrong shape": "np.ones((2, 3, 4, 5))",
    "dict": "{'W1': None, 'b1': 'x'}",
}


def hostile_learner(number: int, returns: str) -> str:
    """A learner file with every function and class of exercise ``number``'s stub, each returning ``returns``.

    Methods return it too, and so does every attribute the object does not have
    (``layer.dW``, ``optimizer.params``).
    """
    stub = ROOT / "exercises" / f"{EXERCISES[number].module}.py"
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    lines = [
        "import numpy as np",
        "",
        "",
        "def _raise():",
        "    raise ValueError('hostile: this function always raises')",
        "",
        "",
        "def _hostile(*args, **kwargs):",
        f"    return {returns}",
        "",
        "",
    ]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines += [f"def {node.name}(*args, **kwargs):", f"    return {returns}", "", ""]
        elif isinstance(node, ast.ClassDef):
            lines += [
                f"class {node.name}:",
                "    def __init__(self, *args, **kwargs):",
                "        pass",
                "",
                "    def __getattr__(self, name):",
                "        if name.startswith('__'):",
                "            raise AttributeError(name)",
                f"        return {returns}",
                "",
            ]
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and not method.name.startswith("__"):
                    lines += [f"    def {method.name}(self, *args, **kwargs):", f"        return {returns}", ""]
            lines.append("")
    return "\n".join(lines) + "\n"


def in_process_results(number: int, path: Path) -> list[CheckResult]:
    """Grade ``path`` as ``grade_exercise`` does, but with the probes run in this process."""
    exercise = EXERCISES[number]
    spec = importlib.util.spec_from_file_location(exercise.module, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ladders = hint_ladders(number)
    results = []
    for check in CHECKS[number]:
        run, _ = replay(check.probe, module, path.parent)
        results.append(with_first_hint(verdict(check, run, exercise), ladders))
    return results


def _said(result: CheckResult) -> tuple[str, str, list[str], str]:
    # durations differ between two runs; everything else must not
    lines = [re.sub(r"(< )?\d+(\.\d+)?(e-?\d+)? s\b", "<seconds> s", line.en) for line in result.lines]
    return result.name, str(result.status), lines, result.hint.en if result.hint else ""


END_TO_END = [(number, list(HOSTILE_SOURCES)[i % len(HOSTILE_SOURCES)]) for i, number in enumerate(sorted(EXERCISES))]


def _durations_left_out(text: str) -> str:
    return re.sub(r"(< )?\d+(\.\d+)?(e-?\d+)? s\b", "<seconds> s", text)


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """This module's warm pool and grading server, made when a test first takes that route."""
    yield from module_routes(tmp_path_factory)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("number", "label"), END_TO_END, ids=[f"ex{n:02d}-{label}" for n, label in END_TO_END])
def test_the_real_sandbox_gives_the_verdicts_of_the_in_process_route(number, label, route, routes, tmp_path):
    """On each route to the sandbox: a fresh one, a warm zygote's, the real client and grading server."""
    exercise = EXERCISES[number]
    path = tmp_path / f"{exercise.module}.py"
    path.write_text(hostile_learner(number, HOSTILE_SOURCES[label]), encoding="utf-8")
    if route != "fresh":
        # what the route says (statuses and every check's message as --format json has it) is what the
        # in-process route says
        seen = routes.get(route).grade(path, timeout=None, number=number)
        assert not seen.passed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = in_process_results(number, path)
        said = [(check.name, str(check.status), _durations_left_out(check.message)) for check in seen.results]
        assert said == [(check.name, str(check.status), _durations_left_out(check.message("en"))) for check in expected]
        return
    graded = grade_exercise(number, path)
    assert graded.import_failure is None
    assert not graded.passed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = in_process_results(number, path)
    assert [_said(result) for result in graded.results] == [_said(result) for result in expected]


def test_the_generated_learner_defines_every_contract_name():
    source = hostile_learner(7, "None")
    namespace: dict[str, Any] = {}
    exec(compile(source, "ex07_layers.py", "exec"), namespace)  # noqa: S102 - generated here, returns None
    layer = namespace["Affine"](np.ones((2, 3)), np.zeros(3))
    assert layer.forward(np.ones((4, 2))) is None
    assert layer.dW is None
    assert textwrap.dedent(source).startswith("import numpy as np")
