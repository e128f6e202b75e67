"""Mutation test of the checks: seed single-point bugs into the worked solutions, grade them.

    python bench/mutate.py [--exercises 1-9] [--sample N --seed S] [--json OUT]

Every mutant is one small change (an operator, a constant, an axis, a NumPy
function, a deleted statement ...) inside a contract function or class of
``solutions/exNN_*.py``.  Each is judged *real* or *equivalent* by differential
testing against ``reference/`` (bench/harness.py: many seeded random inputs
and the edge classes, each mutant in a forked child with a time and a memory
limit), then graded by the real grader through one warm ``SandboxPool``.  A
real mutant must be *killed* (some check fails); an equivalent one must pass
every check, or it is a *false alarm*.

Report: a table per exercise (mutants, real, equivalent, killed, surviving,
false alarms, and the share of kills where a failed check names the mutated
function or class), then every surviving real mutant with every input class
that tells it apart from the reference (the survivors are judged a second
time, exhaustively), every false alarm with its failed checks, and every file
the grader crashed on.  Progress goes to stderr.  Exit status: 0 when every
real mutant is killed, no equivalent mutant fails and the grader crashes on
no file; 1 otherwise; 2 on a usage error; 3 when the measurement itself can
not be trusted (the harness calls an unmutated solution real, the grader
fails one, or the reference raised on an input of the harness).  All of
exercises 1-10 (1,090 mutants) took about 3 minutes on 2 cores; exercises 1-14
have 2,051.

In the test suite: ``tests/bench/test_mutate.py`` runs ``--sample 30 --seed 13``
(a fixed sample drawn from every exercise, about 20 s) and fails unless the exit
status is 0, every real mutant of the sample is killed and no equivalent one
fails; the failure lists the survivors, and the same command reproduces them.
"""

from __future__ import annotations

import os

# one BLAS thread: children are forked, and the grader's sandbox uses one too
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import ast  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Collection, Iterator, Sequence  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

ROOT = harness.ROOT
SOLUTIONS = harness.SOLUTIONS
EXERCISE_NUMBERS = tuple(sorted(harness.MODULES))

# -- mutation operators -----------------------------------------------------------------------

ARITHMETIC = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.Div, ast.Add),
    ast.Div: (ast.Mult, ast.FloorDiv),
    ast.FloorDiv: (ast.Div,),
    ast.Pow: (ast.Mult,),
}
COMPARISON = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt,),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt,),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
# called NumPy functions and methods; exp -> expm1 only as np.exp (arrays have no .exp)
FUNCTION_SWAPS = {
    "max": "min",
    "min": "max",
    "sum": "mean",
    "mean": "sum",
    "argmax": "argmin",
    "argmin": "argmax",
    "maximum": "minimum",
    "minimum": "maximum",
    "exp": "expm1",
}
OPERATORS = (
    "arithmetic",
    "comparison",
    "constant",
    "unary",
    "axis",
    "numpy-function",
    "drop-copy",
    "off-by-one",
    "delete-statement",
    "swap-arguments",
)
# not mutated: what the function is (annotations, decorators) and what documents it (docstrings)
SKIPPED_FIELDS = {"annotation", "returns", "decorator_list", "type_comment", "type_params"}


@dataclass(frozen=True)
class Mutant:
    """One single-point change of a worked solution.

    ``function`` is where the change is (``softmax``, ``Adam.update``), ``target`` the contract
    function or class it belongs to (``softmax``, ``Adam``); ``line`` is in the solution file.
    """

    id: str
    exercise: int
    function: str
    target: str
    line: int
    operator: str
    description: str
    source: str = field(repr=False)


@dataclass(frozen=True)
class Site:
    """Where and how to mutate: the path to a node, and what replaces it (None deletes a statement)."""

    path: tuple[tuple[str, int | None], ...]
    operator: str
    make: Callable[[ast.AST], ast.AST | None]
    line: int
    col: int
    function: str


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001  (an operator node alone)
        return type(node).__name__


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _constant_changes(value: object) -> list[object]:
    """What a constant becomes: 0 <-> 1, n -> n + 1 and 2n, small eps -> 0 and -eps, 0.5 -> 1, True <-> False."""
    if isinstance(value, bool):
        return [not value]
    if value == 0:
        return [type(value)(1)]
    if value == 1:
        return [type(value)(0), type(value)(2)]
    if isinstance(value, float) and abs(value) < 1e-3:
        return [0.0, -value, 2 * value]
    if value == 0.5:
        return [1.0, 1.5]
    return [value + 1, 2 * value]


def _with(node: ast.AST, **fields: object) -> ast.AST:
    new = copy.copy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _negate(node: ast.AST) -> ast.AST:
    return ast.UnaryOp(op=ast.USub(), operand=node)


def _offset(node: ast.AST, op: ast.operator) -> ast.AST:
    return ast.BinOp(left=node, op=op, right=ast.Constant(1))


def _negatable(node: ast.AST | None) -> bool:
    """A value that a unary minus can be put before meaningfully (a number or an array)."""
    if node is None or isinstance(node, (ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Lambda, ast.JoinedStr)):
        return False
    if isinstance(node, (ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
        return False
    if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
        return False
    return not (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub))


def _dotted(node: ast.AST) -> bool:
    """A name or an attribute of a name (``x``, ``self.stride``, ``self.x.shape``)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


class _Walker:
    """Collects the mutation sites of one contract function or class."""

    def __init__(self, top_index: int, top: ast.FunctionDef | ast.ClassDef) -> None:
        self.sites: list[Site] = []
        self.top = top
        self.base: tuple[tuple[str, int | None], ...] = (("body", top_index),)

    def run(self) -> list[Site]:
        self._visit(self.top, self.base, self.top.name, None, False, None)
        return self.sites

    def _add(self, path, operator, make, node, function) -> None:
        self.sites.append(Site(tuple(path), operator, make, node.lineno, node.col_offset, function))

    # the traversal ---------------------------------------------------------------------------

    def _visit(self, node, path, function, func_node, in_index, keyword) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not self.top:
            function = f"{self.top.name}.{node.name}" if isinstance(self.top, ast.ClassDef) else function
            func_node = node
        elif isinstance(node, ast.FunctionDef) and node is self.top:
            func_node = node
        self._sites(node, path, function, func_node, in_index, keyword)
        for name, value in ast.iter_fields(node):
            if name in SKIPPED_FIELDS:
                continue
            child_index = in_index or (isinstance(node, ast.Subscript) and name == "slice")
            # a keyword's value, also under a unary minus (axis=-1)
            child_keyword = (
                node.arg if isinstance(node, ast.keyword) else keyword if isinstance(node, ast.UnaryOp) else None
            )
            if isinstance(value, list):
                statements = name in ("body", "orelse", "finalbody")
                for index, item in enumerate(value):
                    if not isinstance(item, ast.AST):
                        continue
                    if statements and index == 0 and _is_docstring(node, item):
                        continue
                    item_path = (*path, (name, index))
                    if statements and func_node is not None and isinstance(item, ast.stmt):
                        self._deletion(item, item_path, function, func_node)
                    self._visit(item, item_path, function, func_node, child_index, child_keyword)
            elif isinstance(value, ast.AST):
                self._visit(value, (*path, (name, None)), function, func_node, child_index, child_keyword)

    # the operators ---------------------------------------------------------------------------

    def _sites(self, node, path, function, func_node, in_index, keyword) -> None:
        if func_node is None and not isinstance(self.top, ast.ClassDef):
            return
        add = self._add
        if isinstance(node, ast.BinOp):
            for op in ARITHMETIC.get(type(node.op), ()):
                add(path, "arithmetic", lambda old, op=op: _with(old, op=op()), node, function)
            if in_index and isinstance(node.op, (ast.Add, ast.Sub)) and _number(node.right) and node.right.value == 1:
                add(path, "off-by-one", lambda old: old.left, node, function)
        if isinstance(node, ast.AugAssign):
            for op in ARITHMETIC.get(type(node.op), ()):
                add(path, "arithmetic", lambda old, op=op: _with(old, op=op()), node, function)
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                for new in COMPARISON.get(type(op), ()):

                    def swap(old, position=position, new=new):
                        ops = list(old.ops)
                        ops[position] = new()
                        return _with(old, ops=ops)

                    add(path, "comparison", swap, node, function)
        if (
            isinstance(node, ast.Constant)
            and (type(node.value) in (int, float, bool))
            and keyword not in ("axis", "keepdims")
        ):
            for value in _constant_changes(node.value):
                add(path, "constant", lambda old, value=value: ast.Constant(value), node, function)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            add(path, "unary", lambda old: old.operand, node, function)
        if isinstance(node, (ast.Return, ast.Assign, ast.AugAssign)) and _negatable(node.value):
            add(path, "unary", lambda old: _with(old, value=_negate(old.value)), node, function)
        if isinstance(node, ast.Call):
            self._call_sites(node, path, function)

    def _call_sites(self, node: ast.Call, path, function) -> None:
        add = self._add
        for position, kw in enumerate(node.keywords):
            if kw.arg == "axis":
                value = kw.value
                number = value.value if _number(value) else None
                if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) and _number(value.operand):
                    number = -value.operand.value
                changes = {0: (1, -1), 1: (0,), -1: (0,)}.get(number, (0,) if number is not None else ())
                for new in changes:
                    new_value = ast.Constant(new) if new >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-new))

                    def set_axis(old, position=position, new_value=new_value):
                        keywords = list(old.keywords)
                        keywords[position] = ast.keyword(arg="axis", value=new_value)
                        return _with(old, keywords=keywords)

                    add(path, "axis", set_axis, node, function)
                add(
                    path,
                    "axis",
                    lambda old, p=position: _with(old, keywords=old.keywords[:p] + old.keywords[p + 1 :]),
                    node,
                    function,
                )
            if kw.arg == "keepdims" and isinstance(kw.value, ast.Constant) and kw.value.value is True:

                def no_keepdims(old, position=position):
                    keywords = list(old.keywords)
                    keywords[position] = ast.keyword(arg="keepdims", value=ast.Constant(False))
                    return _with(old, keywords=keywords)

                add(path, "axis", no_keepdims, node, function)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in FUNCTION_SWAPS:
            on_numpy = isinstance(func.value, ast.Name) and func.value.id == "np"
            if func.attr != "exp" or on_numpy:
                new_attr = FUNCTION_SWAPS[func.attr]
                add(
                    path,
                    "numpy-function",
                    lambda old, a=new_attr: _with(old, func=_with(old.func, attr=a)),
                    node,
                    function,
                )
        if isinstance(func, ast.Attribute) and func.attr == "copy" and not node.args and not node.keywords:
            if isinstance(func.value, ast.Name) and func.value.id == "np":
                pass
            else:
                add(path, "drop-copy", lambda old: old.func.value, node, function)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np":
            if func.attr == "copy" and len(node.args) == 1 and not node.keywords:
                add(path, "drop-copy", lambda old: old.args[0], node, function)
            if func.attr == "array" and not any(kw.arg == "copy" for kw in node.keywords):
                add(path, "drop-copy", lambda old: _with(old, func=_with(old.func, attr="asarray")), node, function)
        if isinstance(func, ast.Name) and func.id == "range" and len(node.args) == 1:
            for op in (ast.Sub, ast.Add):
                add(
                    path,
                    "off-by-one",
                    lambda old, op=op: _with(old, args=[_offset(old.args[0], op())]),
                    node,
                    function,
                )
        for position in range(len(node.args) - 1):
            first, second = node.args[position], node.args[position + 1]
            if _dotted(first) and _dotted(second) and _unparse(first) != _unparse(second):

                def swap(old, position=position):
                    args = list(old.args)
                    args[position], args[position + 1] = args[position + 1], args[position]
                    return _with(old, args=args)

                add(path, "swap-arguments", swap, node, function)

    def _deletion(self, statement: ast.stmt, path, function, func_node) -> None:
        """Delete an augmented assignment, an in-place update, a stored state, a rebinding, a call, an if."""
        deletable = False
        if isinstance(statement, ast.AugAssign):
            deletable = True
        elif isinstance(statement, ast.Assign):
            targets = statement.targets
            if any(isinstance(t, (ast.Subscript, ast.Attribute)) for t in targets):
                deletable = True
            elif len(targets) == 1 and isinstance(targets[0], ast.Name):
                deletable = _bound_before(func_node, targets[0].id, statement.lineno)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            deletable = True
        elif isinstance(statement, ast.If) and not statement.orelse:
            deletable = True
        if deletable:
            self._add(path, "delete-statement", lambda old: None, statement, function)


def _is_docstring(owner: ast.AST, statement: ast.AST) -> bool:
    return (
        isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
        and isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _bound_before(func_node: ast.FunctionDef, name: str, line: int) -> bool:
    """Whether ``name`` is a parameter of the function or assigned in it before ``line`` (a rebinding)."""
    arguments = func_node.args
    parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    if name in parameters:
        return True
    for node in ast.walk(func_node):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.lineno < line:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    return True
    return False


def _copy_path(tree: ast.Module, path: Sequence[tuple[str, int | None]]) -> tuple[ast.Module, ast.AST]:
    """A copy of ``tree`` that shares everything but the nodes and lists on ``path``; and the last node's parent.

    Mutating the copy at the end of ``path`` leaves ``tree`` as it was; copying
    only the path instead of the whole module makes generating every mutant of
    exercises 1-14 (2,000 of them) a few seconds instead of half a minute.
    """
    new_tree = copy.copy(tree)
    parent: ast.AST = new_tree
    for step, (name, index) in enumerate(path):
        value = getattr(parent, name)
        if index is not None:
            value = list(value)
            setattr(parent, name, value)
        if step == len(path) - 1:
            break
        child = copy.copy(value[index] if index is not None else value)
        if index is not None:
            value[index] = child
        else:
            setattr(parent, name, child)
        parent = child
    return new_tree, parent


def _apply(tree: ast.Module, site: Site) -> tuple[str, str]:
    """The mutated module's source, and the change described in one line."""
    new_tree, parent = _copy_path(tree, site.path)
    name, index = site.path[-1]
    container = getattr(parent, name)
    old = container[index] if index is not None else container
    statement = _statement(tree, site.path)
    before = _shown(tree, statement)
    new = site.make(copy.deepcopy(old))
    if new is None:
        del container[index]
        if not container and name in ("body", "finalbody"):
            container.append(ast.Pass())
        shown = " ".join(before.split())
        description = f"delete `{shown if len(shown) <= 90 else shown[:87] + '...'}`"
    else:
        if index is None:
            setattr(parent, name, new)
        else:
            container[index] = new
        # the enclosing statement before and after, cut to what changed
        description = change(before, _shown(new_tree, statement))
        # only the new node can lack a location; the rest is shared with the parsed solution
        ast.fix_missing_locations(new)
    return ast.unparse(new_tree), description


def _shown(tree: ast.AST, path: Sequence[tuple[str, int | None]]) -> str:
    """The source of the statement at ``path``; of a function or class only its header (defaults)."""
    node = tree
    for name, index in path:
        value = getattr(node, name)
        node = value[index] if index is not None else value
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return _unparse(_with(node, body=[ast.Pass()])).removesuffix(": pass").removesuffix(":\n    pass")
    return _unparse(node)


def _statement(tree: ast.AST, path: Sequence[tuple[str, int | None]]) -> tuple[tuple[str, int | None], ...]:
    """The path to the innermost statement that holds the node at ``path``."""
    found: tuple[tuple[str, int | None], ...] = ()
    node = tree
    for depth, (name, index) in enumerate(path, start=1):
        value = getattr(node, name)
        node = value[index] if index is not None else value
        if isinstance(node, ast.stmt):
            found = tuple(path[:depth])
    return found


def change(before: str, after: str, context: int = 24) -> str:
    """``before -> after`` on one line, cut to the part that changed and some context."""
    before, after = " ".join(before.split()), " ".join(after.split())
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def cut(text: str) -> str:
        hi = min(len(text), len(text) - end + context)
        return ("..." if lo > 0 else "") + text[lo:hi] + ("..." if hi < len(text) else "")

    return f"{cut(before)}  ->  {cut(after)}"


def mutants_of(exercise: int, source: str | None = None, names: Collection[str] | None = None) -> list[Mutant]:
    """Every distinct single-point mutant of exercise ``exercise``'s worked solution, sorted.

    Only the top-level functions and classes in ``names`` (default: the exercise's contract) are
    mutated, never imports, docstrings or annotations.  A mutant identical to the unmutated
    source (after ``ast.unparse``) or to an earlier mutant is left out.

    Parameters
    ----------
    exercise : int
        The exercise the mutants belong to (their ids start ``exNN-``).
    source : str, optional
        The module to mutate (default: the worked solution).
    names : collection of str, optional
        The functions and classes to mutate (default: the exercise's contract).
    """
    if source is None:
        source = (SOLUTIONS / f"{harness.MODULES[exercise]}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    original = ast.unparse(tree)
    contract = set(harness.CONTRACT[exercise] if names is None else names)
    found = []
    for index, top in enumerate(tree.body):
        if isinstance(top, (ast.FunctionDef, ast.ClassDef)) and top.name in contract:
            for site in _Walker(index, top).run():
                mutated, description = _apply(tree, site)
                found.append((site.line, site.col, OPERATORS.index(site.operator), description, site, mutated))
    found.sort(key=lambda item: item[:4])
    seen = {original}
    mutants = []
    for line, _col, _op, description, site, mutated in found:
        if mutated in seen:
            continue
        seen.add(mutated)
        number = len(mutants) + 1
        target = site.function.split(".")[0]
        mutant_id = f"ex{exercise:02d}-m{number:03d}"
        mutants.append(Mutant(mutant_id, exercise, site.function, target, line, site.operator, description, mutated))
    return mutants


def all_mutants(exercises: Sequence[int], sample: int | None = None, seed: int = 0) -> list[Mutant]:
    """The mutants of ``exercises``, or a reproducible random sample of ``sample`` of them, sorted."""
    mutants = [mutant for exercise in sorted(exercises) for mutant in mutants_of(exercise)]
    if sample is not None and sample < len(mutants):
        chosen = random.Random(seed).sample(range(len(mutants)), sample)
        mutants = [mutants[index] for index in sorted(chosen)]
    return mutants


# -- grading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grading:
    """What the grader said about one file: every failed check with its first message line."""

    passed: bool
    failed: tuple[tuple[str, str, str], ...] = ()  # (check name, status, first line)
    error: str = ""

    def names(self, target: str) -> bool:
        """Whether a failed check is about ``target`` (the mutated function or class)."""
        return any(name.split(":", 1)[0].strip() == target for name, _, _ in self.failed)


def grade_files(
    items: list[tuple[str, int, str]],
    *,
    jobs: int,
    on_done: Callable[[str, Grading], None] | None = None,
) -> dict[str, Grading]:
    """Grade every (key, exercise, source) with the real grader through one warm SandboxPool.

    Each source is written beside the unmutated solutions of the other exercises (which it
    may import) in a temporary folder.
    """
    from grader.errors import GraderError
    from grader.grading.engine import EXERCISES, grade_exercise
    from grader.sandbox.client import SandboxPool

    checks = {number: EXERCISES[number].build_checks() for number in sorted({item[1] for item in items})}
    results: dict[str, Grading] = {}
    # the checks compare NaN and infinity on purpose; their NumPy warnings are noise here
    warnings.simplefilter("ignore", RuntimeWarning)
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="mutate-") as folder:
        for path in SOLUTIONS.glob("ex[0-9][0-9]_*.py"):
            shutil.copyfile(path, Path(folder) / path.name)

        def grade(item: tuple[str, int, str]) -> None:
            key, exercise, source = item
            # not named exNN_*.py, so no other grading copies it as a sibling
            path = Path(folder) / f"mutant_{key.replace('-', '_')}.py"
            path.write_text(source, encoding="utf-8")
            try:
                # judged once each run has ended, as grade batch does: less work per probe, the same results
                result = grade_exercise(exercise, path, jobs=1, pool=pool, checks=checks[exercise], judge_early=False)
                failed = tuple(
                    (check.name, check.status, check.lines[0]("en").splitlines()[0] if check.lines else "")
                    for check in result.results
                    if not check.passed
                )
                grading = Grading(result.passed, failed)
            except (GraderError, OSError) as problem:
                grading = Grading(False, (), f"could not be graded: {problem}")
            except Exception as problem:  # noqa: BLE001  (a bug in a check: report it, grade the rest)
                frame = traceback.extract_tb(problem.__traceback__)[-1]
                where = frame.filename.removeprefix(f"{ROOT}{os.sep}")
                grading = Grading(
                    False, (), f"the grader crashed: {type(problem).__name__}: {problem} ({where}, line {frame.lineno})"
                )
            finally:
                path.unlink(missing_ok=True)
            with lock:
                results[key] = grading
            if on_done is not None:
                on_done(key, grading)

        with SandboxPool() as pool, ThreadPoolExecutor(max_workers=max(1, jobs)) as executor:
            list(executor.map(grade, items))
    return results


# -- the run ----------------------------------------------------------------------------------


class Progress:
    """Count/total, time spent and time left on stderr, at most every 2 seconds."""

    def __init__(self, phase: str, total: int, stream=sys.stderr) -> None:
        self.phase, self.total, self.stream = phase, total, stream
        self.done = 0
        self.started = self.shown = time.monotonic()
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            now = time.monotonic()
            if now - self.shown < 2.0 and self.done < self.total:
                return
            self.shown = now
            elapsed = now - self.started
            left = elapsed / self.done * (self.total - self.done)
            print(
                f"{self.phase}: {self.done}/{self.total}, {_duration(elapsed)}, about {_duration(left)} left",
                file=self.stream,
                flush=True,
            )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def parse_exercises(text: str) -> list[int]:
    """``1-9``, ``1,4,7`` or ``2-4,10`` to sorted exercise numbers."""
    numbers: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an exercise list: {text!r} (e.g. 1-9 or 1,4,7)") from None
        if first > last or first not in EXERCISE_NUMBERS or last not in EXERCISE_NUMBERS:
            raise argparse.ArgumentTypeError(
                f"exercises are {EXERCISE_NUMBERS[0]}-{EXERCISE_NUMBERS[-1]}; got {part!r}"
            )
        numbers.update(range(first, last + 1))
    if not numbers:
        raise argparse.ArgumentTypeError("no exercise given")
    return sorted(numbers)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python bench/mutate.py",
        description="Mutation test of the checks: single-point mutants of solutions/, judged real or "
        "equivalent against reference/, graded by the grader.",
    )
    parser.add_argument(
        "--exercises", type=parse_exercises, default=list(EXERCISE_NUMBERS), help="e.g. 1-9 or 1,4,7 (default: all)"
    )
    parser.add_argument("--sample", type=_positive, help="grade a random sample of N mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument(
        "--trials", type=_positive, default=harness.TRIALS, help="seeds per random input class (default 30)"
    )
    parser.add_argument("--jobs", type=_positive, default=2, help="mutants judged and graded at once (default 2)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every mutant, verdict and grading to OUT")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    return parser


def run(args: argparse.Namespace) -> tuple[dict, int]:
    """Judge and grade; the report as a dict, and the exit status."""
    started = time.monotonic()
    mutants = all_mutants(args.exercises, args.sample, args.seed)
    print(f"{len(mutants)} mutants of exercises {', '.join(map(str, args.exercises))}", file=sys.stderr, flush=True)
    baseline = {
        f"ex{n:02d}-solution": (n, ast.unparse(ast.parse((SOLUTIONS / f"{harness.MODULES[n]}.py").read_text("utf-8"))))
        for n in args.exercises
    }
    # 1. the harness must call every unmutated solution equivalent
    jobs = [harness.Job(key, n, source) for key, (n, source) in baseline.items()]
    checks_of_baseline = harness.judge_sources(jobs, trials=args.trials, workers=args.jobs)
    problems = [
        f"{key}: the harness calls the unmutated solution real: {v.target} {v.case}: {v.detail or v.error}"
        for key, v in checks_of_baseline.items()
        if v.kind != "equivalent"
    ]
    # 2. the real mutants' differential test
    progress = Progress("differential testing", len(mutants))
    verdicts = harness.judge_sources(
        [harness.Job(m.id, m.exercise, m.source, m.target) for m in mutants],
        trials=args.trials,
        workers=args.jobs,
        on_done=lambda job, verdict: progress.step(),
    )
    # 3. grading: the unmutated solutions must pass, then every mutant
    graded_baseline = grade_files([(key, n, source) for key, (n, source) in baseline.items()], jobs=args.jobs)
    for key, grading in sorted(graded_baseline.items()):
        if not grading.passed:
            failed = "; ".join(f"{name}: {line}" for name, _, line in grading.failed) or grading.error
            problems.append(f"{key}: the grader fails the unmutated solution: {failed}")
    progress = Progress("grading", len(mutants))
    gradings = grade_files(
        [(m.id, m.exercise, m.source) for m in mutants], jobs=args.jobs, on_done=lambda key, grading: progress.step()
    )
    # 4. every input class that tells a surviving mutant apart: the work list for the checks
    surviving = [m for m in mutants if verdicts[m.id].kind == "real" and gradings[m.id].passed]
    if surviving:
        print(f"listing every telling input of {len(surviving)} surviving mutants", file=sys.stderr, flush=True)
        again = harness.judge_sources(
            [harness.Job(m.id, m.exercise, m.source, m.target) for m in surviving],
            trials=args.trials,
            workers=args.jobs,
            exhaustive=True,
        )
        for key, verdict in again.items():
            if verdict.real and not verdict.error:
                verdicts[key] = verdict
    report = build_report(args, mutants, verdicts, gradings, problems, time.monotonic() - started)
    return report, exit_status(problems, report["totals"], report["grader errors"])


def exit_status(problems: Sequence[str], totals: dict, grader_errors: Sequence[object]) -> int:
    """3 when the measurement can not be trusted, 1 when a real mutant survived, an equivalent one
    failed or the grader crashed on a file, else 0."""
    if problems or totals.get("harness errors"):
        return 3
    if totals.get("surviving") or totals.get("false alarms") or grader_errors:
        return 1
    return 0


def build_report(args, mutants, verdicts, gradings, problems, seconds) -> dict:
    """Everything the run found, as plain data (what --json writes)."""
    rows = {}
    entries = []
    for mutant in mutants:
        verdict, grading = verdicts[mutant.id], gradings[mutant.id]
        killed = not grading.passed
        entry = {
            **{k: v for k, v in asdict(mutant).items() if k != "source"},
            "verdict": verdict.kind,
            "told apart by": {
                "target": verdict.target,
                "case": verdict.case,
                "input": verdict.input,
                "difference": verdict.detail,
            },
            "also told apart by": [
                {"target": o["target"], "case": o["case"], "input": o["input"], "difference": o["detail"]}
                for o in verdict.others
            ],
            "harness error": verdict.error,
            "harness seconds": round(verdict.seconds, 3),
            "killed": killed,
            "failed checks": [{"name": n, "status": s, "first line": line} for n, s, line in grading.failed],
            "grading error": grading.error,
            "well named": killed and grading.names(mutant.target),
        }
        entries.append(entry)
        row = rows.setdefault(mutant.exercise, dict.fromkeys(COLUMNS, 0))
        row["mutants"] += 1
        if verdict.kind == "error":
            row["harness errors"] += 1
        elif verdict.real:
            row["real"] += 1
            row["killed"] += killed
            row["surviving"] += not killed
            row["well named"] += entry["well named"]
        else:
            row["equivalent"] += 1
            row["false alarms"] += killed
    totals = dict.fromkeys(COLUMNS, 0)
    for row in rows.values():
        for column in COLUMNS:
            totals[column] += row[column]
    return {
        "settings": {
            "exercises": args.exercises,
            "sample": args.sample,
            "seed": args.seed,
            "trials": args.trials,
            "jobs": args.jobs,
        },
        "seconds": round(seconds, 1),
        "problems": problems,
        "exercises": {f"ex{n:02d}": row for n, row in sorted(rows.items())},
        "totals": totals,
        "mutation score": totals["killed"] / totals["real"] if totals["real"] else None,
        "surviving": [e for e in entries if e["verdict"] == "real" and not e["killed"]],
        "false alarms": [e for e in entries if e["verdict"] == "equivalent" and e["killed"]],
        "harness errors": [e for e in entries if e["verdict"] == "error"],
        "grader errors": [e for e in entries if e["grading error"]],
        "mutants": entries,
    }


COLUMNS = ("mutants", "real", "equivalent", "killed", "surviving", "false alarms", "well named", "harness errors")


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def format_report(report: dict) -> Iterator[str]:
    """The report as text lines."""
    settings = report["settings"]
    sample = f", a sample of {settings['sample']} (seed {settings['seed']})" if settings["sample"] else ""
    yield (
        f"Mutation test of the checks: exercises {', '.join(map(str, settings['exercises']))}{sample}; "
        f"{settings['trials']} trials per random input class; {_duration(report['seconds'])}"
    )
    for problem in report["problems"]:
        yield f"PROBLEM: {problem}"
    yield ""
    header = ("exercise", "mutants", "real", "equivalent", "killed", "surviving", "false alarms", "well named")
    yield "  ".join(f"{h:>12}" if i else f"{h:<8}" for i, h in enumerate(header))
    for name, row in [*report["exercises"].items(), ("total", report["totals"])]:
        cells = [row[c] for c in header[1:-1]] + [_share(row["well named"], row["killed"])]
        yield "  ".join([f"{name:<8}"] + [f"{c:>12}" for c in cells])
    totals = report["totals"]
    yield ""
    yield (
        f"mutation score: {totals['killed']} of {totals['real']} real mutants killed "
        f"({_share(totals['killed'], totals['real'])}); false alarms: {totals['false alarms']} of "
        f"{totals['equivalent']} equivalent mutants; a failed check names the mutated function or class in "
        f"{_share(totals['well named'], totals['killed'])} of kills"
    )
    if totals["harness errors"]:
        yield f"harness errors: {totals['harness errors']} mutants could not be judged (listed below)"
    if report["surviving"]:
        yield ""
        yield f"Surviving real mutants ({len(report['surviving'])}): every check passes, the harness tells them apart"
        for entry in report["surviving"]:
            told = entry["told apart by"]
            yield _headline(entry)
            yield f"      case: {told['target']}: {told['case']}"
            if told["input"]:
                yield f"      input: {told['input'][:400]}"
            yield f"      difference: {told['difference'][:300]}"
            for other in entry["also told apart by"]:
                yield f"      also: {other['target']}: {other['case']}: {other['difference'][:200]}"
    if report["false alarms"]:
        yield ""
        yield f"False alarms ({len(report['false alarms'])}): equivalent to the reference, yet a check fails"
        for entry in report["false alarms"]:
            yield _headline(entry)
            for check in entry["failed checks"]:
                yield f"      FAIL {check['name']}: {check['first line'][:200]}"
            if entry["grading error"]:
                yield f"      {entry['grading error']}"
    if report["grader errors"]:
        yield ""
        yield f"Grader errors ({len(report['grader errors'])}): grading these files failed (counted as killed)"
        for entry in report["grader errors"]:
            yield _headline(entry)
            yield f"      {entry['grading error'][:300]}"
    for entry in report["harness errors"]:
        yield f"  harness error {entry['id']}: {entry['harness error']}"


def _headline(entry: dict) -> str:
    return f"  {entry['id']}  {entry['function']} line {entry['line']}  {entry['operator']}: {entry['description']}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the mutation test; the exit status."""
    args = build_parser().parse_args(argv)
    if args.list:
        for mutant in all_mutants(args.exercises, args.sample, args.seed):
            print(
                f"{mutant.id}  {mutant.function:28s} line {mutant.line:3d}  {mutant.operator:16s} {mutant.description}"
            )
        return 0
    report, status = run(args)
    for line in format_report(report):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
