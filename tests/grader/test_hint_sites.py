"""Every hint a check can give is asserted by a corpus file: a ``# hint:`` line that must be shown.

The hints are collected from the source of the check modules (``grader/checks/*.py``),
so a new hint is found without a list kept by hand: every ``Text(...)`` that
reaches a place a hint goes is one hint (one *site*):

- the hint of a known mistake: ``Variant(value, HINT)``, ``Known(output, value, HINT)``;
- a keyword argument named ``hint`` or ``*_hint`` (``Check(..., hint=)``,
  ``error_hint=``, ``in_place_hint=``, a layer row's ``forward_hint=`` ...);
- what a verify function says on failure: ``Verdict.fail(lines, HINT)``,
  ``Verdict.unless(problems, HINT)``, ``join_hints([...])``, ``error_hint_for(HINT, ...)``;
- a variable, constant, field, parameter default or dict whose name says hint
  (``sum_hint = Text(...)``, ``KEEPDIMS_HINT``, ``IN_PLACE_HINTS = {...}``,
  ``linear_hint: Text = NOT_LINEAR``), and what a function named ``*hint*`` returns.

Names are followed to their assignments (in the function, the functions around
it and the module), through ``a if c else b``, ``a or b``, tuples, lists, dicts,
``x[key]``, ``x.get(key, default)``, ``+=``, ``append`` and ``extend``, loops
over sequences, tuple unpacking and calls of the module's own functions.  A hint
whose English text is an f-string is one hint with placeholders.  While the
checks are built, every ``Text`` records the line that made it, so a hint whose
text is put together at run time (``" ".join(parts)``) is known by the texts it
gave, and ``test_the_collection_finds_every_hint_the_checks_carry`` guards the
collection: every hint a built check carries (its ``hint`` and ``error_hint``,
every ``Variant`` and ``Known`` made while building it) was made at a found site.

A corpus file (``tests/submissions/exNN/bug_*.py``) asserts a hint when one of
its ``# hint: TEXT`` lines (which ``test_submissions`` requires to be shown) is
part of that hint's English text and of no other hint's: a phrase several hints
share proves none of them, and a phrase that crosses a placeholder must start
and end in the hint's fixed text.  A hint of an exercise's own module is
asserted by that exercise's corpus; a hint of a shared module (``layers.py``,
``common.py``) by any exercise's corpus.  One test per hint, named after its
exercise, its module and its first words, so a run lists what is not asserted.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from grader.grading.engine import EXERCISES
from grader.text import Text

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "grader" / "checks"
CORPUS = ROOT / "tests" / "submissions"

# -- the hints, from the source --------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """One ``Text(...)`` that a check can show as a hint."""

    module: str  # ex02_softmax_loss, layers
    line: int
    segments: tuple[str, ...]  # the English text's fixed parts; a placeholder between each two
    instances: tuple[str, ...] = ()  # texts this Text(...) gave while the checks were built

    @property
    def owner(self) -> str:
        """``ex02`` for an exercise's module, ``shared`` for a module every exercise may use."""
        match = re.match(r"ex(\d\d)_", self.module)
        return f"ex{match.group(1)}" if match else "shared"

    @property
    def text(self) -> str:
        """The English text with ``{}`` for each placeholder."""
        return "{}".join(self.segments)

    @property
    def id(self) -> str:
        """``ex02:ex02_softmax_loss:the first nine words``."""
        text = self.text if self.text.strip("{} ") or not self.instances else self.instances[0]
        return f"{self.owner}:{self.module}:{' '.join(text.split()[:9])}"

    def holds(self, phrase: str) -> bool:
        """Whether ``phrase`` is part of this hint's text, for some values of its placeholders."""
        if any(phrase in text for text in (*self.segments, *self.instances)):
            return True
        return any(pattern.fullmatch(phrase) for pattern in _spans(self.segments))


@cache
def _spans(segments: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Patterns of every run of the text that crosses placeholders: a suffix of one fixed part, ..., a prefix."""
    patterns = []
    for first in range(len(segments)):
        for last in range(first + 1, len(segments)):
            # the phrase starts and ends in fixed text: a placeholder alone proves nothing
            head = "|".join(re.escape(segments[first][k:]) for k in range(len(segments[first])))
            tail = "|".join(re.escape(segments[last][:k]) for k in range(1, len(segments[last]) + 1))
            if not head or not tail:
                continue
            middle = "".join(".{1,80}?" + re.escape(segment) for segment in segments[first + 1 : last])
            patterns.append(re.compile(f"(?:{head}){middle}.{{1,80}}?(?:{tail})", re.DOTALL))
    return tuple(patterns)


def _normal(text: str) -> str:
    return " ".join(text.split())


HINT_KEYWORD = re.compile(r"(^|_)hints?$")
HINT_NAME = re.compile(r"hint", re.IGNORECASE)


def _hint_arguments() -> dict[str, int]:
    """Where a hint goes among the positional arguments of each class and function the checks call.

    Read from the signatures: the first parameter named ``hint``, ``*_hint`` or
    ``hints`` of every class and function of the check modules, of ``Check`` and
    of ``Verdict``'s constructors (``Variant(value, hint)``: 1; ``Known(output,
    value, hint)``: 2; ``Verdict.fail(lines, hint)``: 1; ``join_hints(hints)``: 0).
    """
    from grader.grading.engine import Check
    from grader.grading.results import Verdict

    callables: dict[str, Any] = {"Check": Check, "fail": Verdict.fail, "unless": Verdict.unless}
    for path in sorted(CHECKS.glob("*.py")):
        module = importlib.import_module(f"grader.checks.{path.stem}")
        callables.update(
            (name, value)
            for name, value in vars(module).items()
            if callable(value) and getattr(value, "__module__", "").startswith("grader.")
        )
    positions = {}
    for name, value in callables.items():
        try:
            parameters = [
                p.name
                for p in inspect.signature(value).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            continue
        hinted = [index for index, parameter in enumerate(parameters) if HINT_KEYWORD.search(parameter)]
        if hinted:
            positions[name] = hinted[0]
    return positions


HINT_ARGUMENT = _hint_arguments()


class _ItemOf(ast.expr):
    """An item of the sequence ``value`` (what a loop over it binds), resolved once ``value`` is."""

    _fields = ("value",)


class _Module:
    """One check module's syntax tree, with what the resolution of names needs."""

    def __init__(self, path: Path) -> None:
        self.name = path.stem
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.parent: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
        self.functions: dict[str, list[ast.FunctionDef]] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef):
                self.functions.setdefault(node.name, []).append(node)

    def scopes(self, node: ast.AST) -> Iterator[ast.AST]:
        """The functions around ``node``, innermost first, then the module."""
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.Lambda):
                yield node
        yield self.tree

    def in_scope(self, scope: ast.AST) -> Iterator[ast.AST]:
        """The nodes of ``scope`` outside the functions nested in it (a module's classes count as its own)."""
        stack = list(ast.iter_child_nodes(scope))
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, ast.FunctionDef | ast.Lambda):
                stack.extend(ast.iter_child_nodes(node))

    def bindings(self, name: str, at: ast.AST) -> list[ast.expr]:
        """What ``name`` may hold where it is read at ``at``: what the nearest scope that binds it binds to it."""
        for scope in self.scopes(at):
            found: list[ast.expr] = []
            for node in self.in_scope(scope):
                found += self._bound(node, name)
            if isinstance(scope, ast.FunctionDef):
                arguments = scope.args
                positional = arguments.posonlyargs + arguments.args
                defaults = dict(zip([a.arg for a in positional][::-1], arguments.defaults[::-1], strict=False))
                defaults.update(
                    {
                        a.arg: d
                        for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
                        if d is not None
                    }
                )
                if name in defaults:
                    found.append(defaults[name])
                if name in {a.arg for a in positional + arguments.kwonlyargs} and not found:
                    found += self._passed(scope, name)
            if found:
                return found
        return []

    def _bound(self, node: ast.AST, name: str) -> list[ast.expr]:
        if isinstance(node, ast.Assign):
            return [value for target in node.targets for value in _unpack(target, node.value, name)]
        if isinstance(node, ast.AnnAssign | ast.NamedExpr | ast.AugAssign) and node.value is not None:
            return _unpack(node.target, node.value, name)
        if isinstance(node, ast.For | ast.comprehension):
            return [value for item in _items(node.iter) for value in _unpack(node.target, item, name)]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and node.args
        ):
            # items.append(x) and items.extend([...]) add to what a loop over items binds
            if node.func.attr in ("append", "insert"):
                return [ast.List(elts=[node.args[-1]], ctx=ast.Load())]
            if node.func.attr == "extend":
                return [node.args[0]]
        return []

    def _passed(self, function: ast.FunctionDef, name: str) -> list[ast.expr]:
        """The arguments the module's calls of ``function`` pass for its parameter ``name``."""
        positional = [a.arg for a in function.args.posonlyargs + function.args.args]
        found: list[ast.expr] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _called(node) == function.name:
                if name in positional and positional.index(name) < len(node.args):
                    found.append(node.args[positional.index(name)])
                found += [keyword.value for keyword in node.keywords if keyword.arg == name]
        return found

    def returns(self, function: ast.FunctionDef) -> list[ast.expr]:
        """What ``function`` returns (not its nested functions)."""
        return [
            node.value for node in self.in_scope(function) if isinstance(node, ast.Return) and node.value is not None
        ]


def _called(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _items(node: ast.expr) -> list[ast.expr]:
    """The items of a literal sequence (what a loop over it binds), else an item of the expression."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return [value for value in node.values if value is not None]
    return [_ItemOf(value=node)]


def _unpack(target: ast.expr, value: ast.expr, name: str) -> list[ast.expr]:
    """What ``target = value`` binds to ``name``: the value, a tuple's element, or an element of what is unpacked."""
    if isinstance(target, ast.Name):
        return [value] if target.id == name else []
    if isinstance(target, ast.Tuple | ast.List):
        found: list[ast.expr] = []
        for index, element in enumerate(target.elts):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                found += _unpack(element, value.elts[index], name)
            elif isinstance(element, ast.Name) and element.id == name:
                found.append(ast.Subscript(value=value, slice=ast.Constant(index), ctx=ast.Load()))
        return found
    return []


class Collector:
    """Every hint ``Text(...)`` of one module, found from the places a hint goes."""

    def __init__(self, path: Path) -> None:
        self.module = _Module(path)
        self.found: dict[int, ast.Call] = {}
        self.seen: set[tuple[int, int]] = set()
        self.kept: list[ast.expr] = []

    def run(self) -> list[Hint]:
        """The hints, in the order of the source."""
        for node in ast.walk(self.module.tree):
            for expression in self._hint_places(node):
                self.resolve(expression)
        calls = sorted(self.found.values(), key=lambda call: (call.lineno, call.col_offset))
        return [_hint(self.module.name, call) for call in calls]

    def _hint_places(self, node: ast.AST) -> list[ast.expr]:
        places: list[ast.expr] = []
        if isinstance(node, ast.Call):
            position = HINT_ARGUMENT.get(_called(node))
            if position is not None and position < len(node.args):
                places.append(node.args[position])
            places += [k.value for k in node.keywords if k.arg is not None and HINT_KEYWORD.search(k.arg)]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, ast.Name) and HINT_NAME.search(element.id):
                        places += _unpack(target, node.value, element.id)
        elif isinstance(node, ast.FunctionDef):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            pairs = list(zip(positional[::-1], arguments.defaults[::-1], strict=False))
            pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is not None]
            places += [default for argument, default in pairs if HINT_NAME.search(argument.arg)]
            if HINT_NAME.search(node.name):
                places += self.module.returns(node)
        return places

    def resolve(self, node: ast.expr, index: int | None = None) -> None:
        """Find the ``Text(...)`` calls ``node`` may evaluate to (its element ``index`` when it is a tuple)."""
        key = (id(node), -1 if index is None else index)
        if key in self.seen:
            return
        self.seen.add(key)
        self.kept.append(node)  # nodes made here stay alive, so no other gets their id
        if isinstance(node, ast.Tuple | ast.List) and index is not None:
            if index < len(node.elts):
                self.resolve(node.elts[index])
        elif isinstance(node, _ItemOf):
            self._item_of(node.value, index)
        elif isinstance(node, ast.Call):
            self._call(node, index)
        elif isinstance(node, ast.Name):
            for value in self.module.bindings(node.id, node):
                self.resolve(value, index)
        elif isinstance(node, ast.IfExp):
            self.resolve(node.body, index)
            self.resolve(node.orelse, index)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.resolve(value, index)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for element in node.elts:
                self.resolve(element)
        elif isinstance(node, ast.Dict):
            for value in node.values:
                self.resolve(value)
        elif isinstance(node, ast.Starred):
            self.resolve(node.value)
        elif isinstance(node, ast.Subscript):
            element = node.slice.value if isinstance(node.slice, ast.Constant) else None
            self.resolve(node.value, element if isinstance(element, int) else None)
        elif isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            self.resolve(node.elt)
        elif isinstance(node, ast.DictComp):
            self.resolve(node.value)

    def _item_of(self, sequence: ast.expr, index: int | None) -> None:
        if isinstance(sequence, ast.Tuple | ast.List | ast.Set):
            for element in sequence.elts:
                self.resolve(element, index)
        elif isinstance(sequence, ast.Dict):
            for value in sequence.values:
                self.resolve(value, index)
        elif isinstance(sequence, ast.Name):
            for value in self.module.bindings(sequence.id, sequence):
                self.resolve(_ItemOf(value=value), index)
        elif isinstance(sequence, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            self.resolve(sequence.elt, index)
        elif isinstance(sequence, ast.BinOp):
            self._item_of(sequence.left, index)
            self._item_of(sequence.right, index)
        elif isinstance(sequence, ast.Call) and _called(sequence) in ("zip", "enumerate", "items", "keys"):
            return  # pairs made at run time: their parts are found where they are bound
        else:
            self.resolve(sequence, index)

    def _call(self, node: ast.Call, index: int | None) -> None:
        called = _called(node)
        if called == "Text" and isinstance(node.func, ast.Name):
            self.found.setdefault(id(node), node)
        elif called == "get" and isinstance(node.func, ast.Attribute):
            self.resolve(node.func.value)
            for argument in node.args[1:]:
                self.resolve(argument)
        elif called in HINT_ARGUMENT and HINT_ARGUMENT[called] < len(node.args):
            self.resolve(node.args[HINT_ARGUMENT[called]])
        elif called in self.module.functions and isinstance(node.func, ast.Name):
            for function in self.module.functions[called]:
                for value in self.module.returns(function):
                    self.resolve(value, index)


def _hint(module: str, call: ast.Call) -> Hint:
    english = call.args[0] if call.args else next(k.value for k in call.keywords if k.arg == "en")
    return Hint(module, call.lineno, tuple(_normal_segment(s) for s in _segments(english)))


def _segments(node: ast.expr) -> list[str]:
    """The fixed parts of a string expression; a placeholder (a value filled in at run time) between each two."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [""]
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts[-1] += str(value.value)
            else:
                parts.append("")
        return parts
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _segments(node.left), _segments(node.right)
        return [*left[:-1], left[-1] + right[0], *right[1:]]
    return ["", ""]  # a text made elsewhere: one placeholder


def _normal_segment(text: str) -> str:
    # whitespace collapses as in the corpus test, but a segment keeps the spaces at its edges
    inner = " ".join(text.split())
    return (" " if text[:1].isspace() else "") + inner + (" " if text[-1:].isspace() and inner else "")


@cache
def static_hints() -> tuple[Hint, ...]:
    """Every hint ``Text(...)`` the source of the check modules holds."""
    return tuple(hint for path in sorted(CHECKS.glob("*.py")) for hint in Collector(path).run())


# -- what the built checks carry ------------------------------------------------------------------


@dataclass(frozen=True)
class Carried:
    """A hint a built check carries, and the ``Text(...)`` of the check modules that made it."""

    exercise: int
    where: str  # "Variant", "Known", "<check name>: hint"
    module: str  # "" when it was made outside grader/checks
    line: int
    text: Text


@cache
def carried_hints(number: int) -> tuple[Carried, ...]:
    """Every hint the checks of exercise ``number`` carry once built, with the line of the module that made it.

    While the checks are built, every ``Text`` records where in ``grader/checks`` it
    was made, and every ``Variant`` and ``Known`` its hint; then each check's
    ``hint`` and ``error_hint`` are read.
    """
    from grader.checks import layers, verdicts

    made_at: dict[int, tuple[str, int]] = {}
    hints: list[tuple[str, Any]] = []
    kept: list[Text] = []  # alive until read, so no id is reused
    text_init, variant_init, known_init = Text.__init__, verdicts.Variant.__init__, layers.Known.__init__
    later_init = verdicts.Later.__init__

    def text(self: Text, *args: Any, **kwargs: Any) -> None:
        text_init(self, *args, **kwargs)
        frame = sys._getframe(1)
        while frame is not None and Path(frame.f_code.co_filename).parent != CHECKS:
            frame = frame.f_back  # type: ignore[assignment]
        if frame is not None:
            made_at[id(self)] = (Path(frame.f_code.co_filename).stem, frame.f_lineno)
            kept.append(self)

    def recording(original: Any, where: str) -> Any:
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            hints.append((where, self.hint))

        return init

    def worked_out(self: Any, *args: Any, **kwargs: Any) -> None:
        later_init(self, *args, **kwargs)
        self()  # known wrong answers are worked out when grading asks (``Later``): here while texts are recorded

    Text.__init__ = text  # type: ignore[method-assign]
    verdicts.Later.__init__ = worked_out  # type: ignore[method-assign]
    verdicts.Variant.__init__ = recording(variant_init, "Variant")  # type: ignore[method-assign]
    layers.Known.__init__ = recording(known_init, "Known")  # type: ignore[method-assign]
    try:
        checks = EXERCISES[number].build_checks()
    finally:
        Text.__init__ = text_init  # type: ignore[method-assign]
        verdicts.Variant.__init__ = variant_init  # type: ignore[method-assign]
        layers.Known.__init__ = known_init  # type: ignore[method-assign]
        verdicts.Later.__init__ = later_init  # type: ignore[method-assign]
    for check in checks:
        hints += [(f"{check.name}: hint", check.hint), (f"{check.name}: error_hint", check.error_hint)]
    return tuple(
        Carried(number, where, *made_at.get(id(hint), ("", 0)), hint) for where, hint in hints if isinstance(hint, Text)
    )


@cache
def all_hints() -> tuple[Hint, ...]:
    """The hints of the source, each with the texts it gave while the checks were built; one per text."""
    instances: dict[tuple[str, int], set[str]] = {}
    for number in EXERCISES:
        for carried in carried_hints(number):
            instances.setdefault((carried.module, carried.line), set()).add(_normal(carried.text.en))
    hints: dict[tuple[str, ...], Hint] = {}
    for found in static_hints():
        made = tuple(sorted(instances.get((found.module, found.line), ())))
        hint = Hint(found.module, found.line, found.segments, made)
        if hint.text.strip("{} "):
            hints.setdefault((hint.owner, hint.text), hint)
        elif made:  # a text put together at run time: known by what it gave
            hints.setdefault((hint.owner, *made), hint)
    return tuple(sorted(hints.values(), key=lambda h: (h.owner, h.module, h.line)))


# -- the corpus ---------------------------------------------------------------------------------------


@cache
def corpus_hint_lines() -> tuple[tuple[str, str, str], ...]:
    """(exercise, file, hint text) of every ``# hint:`` line in the leading comments of a bug file."""
    lines = []
    for path in sorted(CORPUS.glob("ex*/bug_*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            match = re.fullmatch(r"# hint: (.+)", line.strip())
            if match:
                lines.append((path.parent.name, f"{path.parent.name}/{path.name}", _normal(match.group(1))))
    return tuple(lines)


def _fitting(exercise: str, phrase: str) -> list[Hint]:
    return [hint for hint in all_hints() if hint.owner in (exercise, "shared") and hint.holds(phrase)]


@cache
def coverage() -> dict[Hint, tuple[str, ...]]:
    """For each hint, the corpus files whose ``# hint:`` line asserts it (and it alone)."""
    covered: dict[Hint, list[str]] = {hint: [] for hint in all_hints()}
    for exercise, path, phrase in corpus_hint_lines():
        fitting = _fitting(exercise, phrase)
        if len(fitting) == 1:
            covered[fitting[0]].append(path)
    return {hint: tuple(paths) for hint, paths in covered.items()}


@pytest.mark.parametrize("hint", all_hints(), ids=lambda hint: hint.id)
def test_every_hint_is_asserted_by_a_corpus_file(hint):
    if coverage()[hint]:
        return
    where = "any exercise's" if hint.owner == "shared" else f"tests/submissions/{hint.owner}/"
    shared = [
        f"{path}: {phrase!r}"
        for exercise, path, phrase in corpus_hint_lines()
        if hint.owner in (exercise, "shared") and hint.holds(phrase)
    ]
    text = hint.text if hint.text.strip("{} ") else " | ".join(hint.instances[:3])
    pytest.fail(
        f"grader/checks/{hint.module}.py:{hint.line}: no '# hint:' line of {where} bug files asserts\n"
        f"    {text!r}\n"
        "write a bug file whose mistake gets this hint, with a '# hint:' line quoting part of it"
        + (f"; these lines fit other hints too, so they prove none: {shared}" if shared else "")
    )


# -- the collection itself -----------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(EXERCISES))
def test_the_collection_finds_every_hint_the_checks_carry(number):
    """Every hint a built check carries was made by a ``Text(...)`` the collection found (or outside the checks)."""
    sites = {(hint.module, hint.line) for hint in static_hints()}
    missed = sorted(
        {
            f"grader/checks/{carried.module}.py:{carried.line} ({carried.where}): {carried.text.en[:100]!r}"
            for carried in carried_hints(number)
            if carried.module and (carried.module, carried.line) not in sites
        }
    )
    assert not missed, "hints the checks carry that the collection did not find:\n" + "\n".join(missed)


def test_every_exercise_has_hints():
    owners = {hint.owner for hint in all_hints()}
    assert {f"ex{number:02d}" for number in EXERCISES} <= owners
    assert "shared" in owners


SAMPLE = """
from grader.text import Text

PLAIN = Text("not a hint: a label", "ラベル")
A_HINT = Text("a module constant hint", "ヒント")
OTHER = Text("reached through a call of join_hints", "ヒント")
DICT_HINTS = {"f": Text("a dict value", "ヒント")}


def _named_hint(grad):
    return Text(f"the second call doubled {grad}: reset it", "ヒント")


def build():
    local = Text("a local bound then passed to Variant", "ヒント")
    pairs = ((0.0, Text("bound by a loop over a tuple", "ヒント")),)
    pairs += ((1.0, Text("added with +=", "ヒント")),)
    more = []
    more.append((2.0, Text("appended", "ヒント")))
    variants = [Variant(value, hint) for value, hint in pairs]
    variants += [Variant(value, hint) for value, hint in more]
    variants.append(Variant(1.0, local))

    def verify(run):
        lines, found = _judge(run)
        if lines:
            return Verdict.fail(lines, found or DICT_HINTS.get("f", A_HINT))
        return Verdict.unless(lines, join_hints([OTHER, None]))

    return Check("f: x", "f: x", None, verify, hint=Text("a keyword hint", "ヒント"), context=Text("no", "いいえ"))


def _judge(run):
    return [Text("a line, not a hint", "行")], Text("second of a returned pair", "ヒント")
"""


def test_the_collector_follows_names_to_the_texts(tmp_path):
    path = tmp_path / "ex99_sample.py"
    path.write_text(SAMPLE, encoding="utf-8")
    texts = sorted(hint.text for hint in Collector(path).run())
    assert texts == sorted(
        [
            "a module constant hint",
            "reached through a call of join_hints",
            "a dict value",
            "the second call doubled {}: reset it",
            "a local bound then passed to Variant",
            "bound by a loop over a tuple",
            "added with +=",
            "appended",
            "a keyword hint",
            "second of a returned pair",
        ]
    )


def test_a_phrase_is_part_of_a_hint_only_through_its_fixed_text():
    doubled = Hint("layers", 1, ("the second call doubled ", ": backward adds to ", "; zero it"))
    assert doubled.holds("the second call doubled")
    assert doubled.holds("doubled dW: backward adds to self.dW; zero")
    assert not doubled.holds("doubled dW: backward subtracts")
    assert not doubled.holds("dW: backward")  # starts inside a placeholder


def test_where_hints_go_is_read_from_the_signatures():
    assert HINT_ARGUMENT["Variant"] == 1
    assert HINT_ARGUMENT["Known"] == 2
    assert HINT_ARGUMENT["fail"] == 1
    assert HINT_ARGUMENT["unless"] == 1
    assert HINT_ARGUMENT["join_hints"] == 0
    assert Hint("ex05_im2col", 1, ("", ""), ("the columns are ordered (c, filter_x, filter_y)",)).holds(
        "columns are ordered (c, filter_x"
    )
