"""Finding what the learner defined: the statements that define a name, and everything they use.

See steps 1 and 2 of the package docstring: statements of the history found by
the names they bind, the global names each uses found with ``symtable``, a
function or class the kernel has taken from its own source (``linecache``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import linecache
import symtable
import textwrap
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.notebook.cells import CellCode, parse
from grader.notebook.module import Chunk
from grader.text import Text, plain

# names IPython puts into builtins or the user namespace; they do not exist when a module is graded
IPYTHON_ONLY = frozenset({"display", "get_ipython", "In", "Out", "exit", "quit", "__IPYTHON__"})
COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})
_Position = tuple[int, int, int]  # where a statement is: see _Statement.position


@dataclass(frozen=True)
class _Statement:
    """One top-level statement of the history (or a definition found from a live object)."""

    position: tuple[int, int, int]  # (cell in execution order, line, column): the order statements ran in
    label: Text
    line: int
    code: str
    binds: frozenset[str]
    load: frozenset[str]  # global names used while the statement runs
    call: frozenset[str]  # global names used when a function it defines is called
    import_from: str = ""  # the module of a `from M import ...`
    star: bool = False


def _bound_names(node: ast.AST) -> set[str]:
    """Names a top-level statement binds in the module (not inside functions or classes)."""
    names: set[str] = set()

    def visit(item: ast.AST) -> None:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
            return
        if isinstance(item, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(item, (ast.Import, ast.ImportFrom)):
            for alias in item.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
            return
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
            names.add(item.id)
        for child in ast.iter_child_nodes(item):
            visit(child)

    visit(node)
    return names


def _dependencies(code: str) -> tuple[frozenset[str], frozenset[str]]:
    """Global names ``code`` uses (names used as it runs, names used when its functions run)."""
    try:
        top = symtable.symtable(code, "<cell>", "exec")
    except SyntaxError:
        return frozenset(), frozenset()
    load: set[str] = set()
    call: set[str] = set()

    def visit(table: symtable.SymbolTable, now: bool) -> None:
        for symbol in table.get_symbols():
            if symbol.is_referenced() and (table is top or symbol.is_global()):
                (load if now else call).add(symbol.get_name())
        for child in table.get_children():
            # a class body and a comprehension run where they stand; a function body when called
            runs_now = now and (child.get_type() == "class" or child.get_name() in COMPREHENSIONS)
            visit(child, runs_now)

    visit(top, True)
    return frozenset(load), frozenset(call)


def _segment(lines: Sequence[str], node: ast.stmt) -> str:
    """The source text of ``node`` (decorators included), dedented."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    last = node.end_lineno or node.lineno
    chunk = list(lines[first - 1 : last])
    if not chunk:
        return ""
    end = node.end_col_offset
    if end is not None:
        chunk[-1] = chunk[-1].encode("utf-8")[:end].decode("utf-8", "replace")
    if first == node.lineno and node.col_offset:
        head = chunk[0].encode("utf-8")
        if head[: node.col_offset].strip():
            # a simple statement after "a = 1; " on the same line
            chunk[0] = head[node.col_offset :].decode("utf-8", "replace")
    return textwrap.dedent("\n".join(line.rstrip("\n") for line in chunk))


@functools.lru_cache(maxsize=4096)
def _cell_statements(code: str) -> tuple[_Statement, ...]:
    """The binding statements of one cell's code, placed in cell 0 (parsed once per distinct cell)."""
    found: list[_Statement] = []
    lines = code.split("\n")
    for node in ast.parse(code).body:
        star = isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
        binds = _bound_names(node)
        if not binds and not star:
            continue
        segment = _segment(lines, node)
        load, call = _dependencies(segment)
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        found.append(
            _Statement(
                (0, first, node.col_offset if first == node.lineno else 0),
                plain(""),
                first,
                segment,
                frozenset(binds),
                load,
                call,
                import_from=(node.module or "") if isinstance(node, ast.ImportFrom) and not node.level else "",
                star=star,
            )
        )
    return tuple(found)


def _statements(cells: Sequence[CellCode]) -> list[_Statement]:
    """Every top-level statement of ``cells`` that binds a name, in execution order."""
    return [
        replace(statement, position=(index, *statement.position[1:]), label=cell.label)
        for index, cell in enumerate(cells)
        if cell.code is not None
        for statement in _cell_statements(cell.code)
    ]


def _function_source(name: str, value: types.FunctionType) -> tuple[str, int] | None:
    """The file and first line of a function defined as ``def name`` at the top of a cell or script."""
    code = value.__code__
    if value.__module__ != "__main__" or code.co_name != name or value.__qualname__ != name or code.co_freevars:
        return None
    return code.co_filename, code.co_firstlineno


def _first_method(value: type) -> types.CodeType | None:
    """The code of the first function a class body defines (a method, static or class method, property)."""
    for member in vars(value).values():
        if type(member) in (staticmethod, classmethod):
            member = member.__func__
        elif type(member) is property:
            member = member.fget
        if type(member) is types.FunctionType:
            return member.__code__
    return None


def _class_source(name: str, value: type) -> tuple[str, int] | None:
    """The file and a line inside a class defined as ``class name`` at the top of a cell or script."""
    if value.__module__ != "__main__" or value.__name__ != name or value.__qualname__ != name:
        return None
    method = _first_method(value)
    if method is None:
        return None
    return method.co_filename, method.co_firstlineno


def _definition_node(tree: ast.Module, name: str, line: int, is_class: bool) -> ast.stmt | None:
    """The last ``def name`` of ``tree`` that starts at ``line``, or ``class name`` that holds it."""
    kinds: tuple[type[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef], ...] = (
        (ast.ClassDef,) if is_class else (ast.FunctionDef, ast.AsyncFunctionDef)
    )
    found = None
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            # a function's code starts at its first line; a class holds the line of its method
            if first <= line <= (node.end_lineno or first) if is_class else first == line:
                found = node
    return found


def _placed(name: str, code_text: str, filename: str, cells: Sequence[CellCode], order: int) -> _Statement:
    """The statement of a live definition's source, placed in the cell it came from (or after every cell)."""
    load, call = _dependencies(code_text)
    # name the cell it came from: the latest cell that holds this very text
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if cell.code is not None and code_text in cell.code:
            cell_line = cell.code[: cell.code.index(code_text)].count("\n") + 1
            return _Statement((index, cell_line, 0), cell.label, cell_line, code_text, frozenset({name}), load, call)
    label = plain(Path(filename).name if Path(filename).is_file() else f"the definition of {name}")
    return _Statement((len(cells), order, 0), label, 1, code_text, frozenset({name}), load, call)


def _live_definition(name: str, value: object, cells: Sequence[CellCode], order: int) -> _Statement | None:
    """The ``def``/``class`` block that made ``value``, from its code's source in ``linecache``.

    None when ``value`` is not a function or class defined at the top of a cell
    or script (a lambda, a closure, something imported, something made by exec).
    """
    # only type() and the attributes of functions and plain classes are looked at: nothing the
    # learner wrote (a property, __getattr__, a metaclass) runs in the kernel
    if type(value) is types.FunctionType:
        source, is_class = _function_source(name, value), False
    elif type(value) is type:
        source, is_class = _class_source(name, value), True
    else:
        return None
    if source is None:
        return None
    filename, line = source
    lines = linecache.getlines(filename)
    if not lines:
        return None
    try:
        tree = parse("".join(lines), plain(Path(filename).name or filename))
    except SyntaxError:
        return None
    found = _definition_node(tree, name, line, is_class)
    if found is None:
        return None
    code_text = _segment([line.rstrip("\n") for line in lines], found)
    return _placed(name, code_text, filename, cells, order)


@dataclass
class Collection:
    """What ``collect_definitions`` found: the statements to run, in order, and notes."""

    chunks: list[Chunk]
    futures: tuple[str, ...]
    found: dict[str, Text] = field(default_factory=dict)  # contract name -> where its definition came from
    notes: list[Text] = field(default_factory=list)
    imported_from: dict[str, str] = field(default_factory=dict)  # contract name -> module of its import


def collect_definitions(
    cells: Sequence[CellCode],
    names: Iterable[str],
    namespace: Mapping[str, Any] | None = None,
    hidden: Mapping[str, Any] | None = None,
    module: str = "",
) -> Collection:
    """The statements that define ``names`` and everything they use, in execution order.

    Parameters
    ----------
    cells : sequence of CellCode
        The cells in the order they ran (a kernel's input history, or a
        notebook's code cells).
    names : iterable of str
        The names to define (an exercise's contract names).
    namespace : mapping, optional
        The kernel's namespace: a name that is not in it is not defined now,
        and a function or class in it is taken from its own source.
    hidden : mapping, optional
        Names IPython put into the namespace (``In``, ``get_ipython``).
    module : str, optional
        The module being written (``ex01_activations``): its own
        ``from ex01_activations import ...`` lines can not define anything in it.
    """
    statements = [statement for statement in _statements(cells) if not module or statement.import_from != module]
    futures = sorted({feature for cell in cells for feature in cell.futures})
    collection = Collection([], tuple(futures))
    chosen, unresolved = _choose(names, _Resolver(cells, statements, namespace, module), collection)
    for name, user in sorted(unresolved.items()):
        note = _unresolved_note(name, user, namespace, hidden)
        if note is not None:
            collection.notes.append(note)
    for statement in sorted(chosen.values(), key=lambda s: s.position):
        collection.chunks.append(Chunk(statement.label, statement.code, statement.line))
    return collection


class _Resolver:
    """Which statement defines a name: now, or before a given statement ran.

    Looks among the statements of the history by the names they bind, at the
    functions and classes the kernel has (from their own source), and writes an
    import for a module or a module's function the kernel has but no statement
    of the history binds.
    """

    def __init__(
        self,
        cells: Sequence[CellCode],
        statements: Sequence[_Statement],
        namespace: Mapping[str, Any] | None,
        module: str,
    ) -> None:
        self.cells = cells
        self.namespace = namespace
        self.module = module
        self.by_name: dict[str, list[_Statement]] = {}
        for statement in statements:
            for name in statement.binds:
                self.by_name.setdefault(name, []).append(statement)
        self.stars = [statement for statement in statements if statement.star]
        self.synthetic = 0

    def latest(self, name: str, before: _Position | None) -> _Statement | None:
        """The latest statement of the history that binds ``name`` (before ``before``, when given)."""
        candidates = [s for s in self.by_name.get(name, ()) if before is None or s.position < before]
        return candidates[-1] if candidates else None

    def synthesised(self, name: str, value: object) -> _Statement | None:
        """An import statement for a module or a module's function (``np``, ``sqrt``)."""
        if type(value) is types.ModuleType:
            imported = value.__name__
            code = f"import {imported}" if imported == name else f"import {imported} as {name}"
        # exact types, as everywhere here: a learner's object can claim any __class__ to isinstance
        elif type(value) is types.FunctionType or type(value) is types.BuiltinFunctionType or type(value) is type:
            origin = value.__module__
            qualname = value.__qualname__
            if not isinstance(origin, str) or origin in ("__main__", self.module) or not qualname.isidentifier():
                return None
            module_stars = [s for s in self.stars if s.import_from == origin]
            if module_stars:
                return module_stars[-1]
            code = f"from {origin} import {qualname}" + (f" as {name}" if qualname != name else "")
        else:
            return None
        self.synthetic += 1
        return _Statement(
            (-1, self.synthetic, 0),
            plain("import"),
            1,
            code,
            frozenset({name}),
            frozenset(),
            frozenset(),
            import_from=origin if type(value) is not types.ModuleType else "",
        )

    def resolve(self, name: str, before: _Position | None, order: int) -> _Statement | None:
        """The statement that defines ``name`` now (``before`` None), or that bound it before ``before``.

        ``order`` places a live definition that no cell holds (the count of statements chosen so far).
        """
        namespace = self.namespace
        if namespace is not None and before is None:
            if name not in namespace:
                return None
            value = namespace[name]
            live = _live_definition(name, value, self.cells, order)
            if live is not None:
                return live
            return self.latest(name, None) or self.synthesised(name, value)
        found = self.latest(name, before)
        if found is None and namespace is not None and name in namespace:
            found = self.synthesised(name, namespace[name])
        return found


def _uses(statement: _Statement) -> list[tuple[str, str, _Position | None]]:
    """What a chosen statement makes to look up: (name, who uses it, the position it must be bound before)."""
    user_name = sorted(statement.binds)[0] if statement.binds else statement.code.split("\n")[0]
    return [
        *((dependency, user_name, statement.position) for dependency in sorted(statement.load)),
        *((dependency, user_name, None) for dependency in sorted(statement.call)),
    ]


def _choose(
    names: Iterable[str], resolver: _Resolver, collection: Collection
) -> tuple[dict[_Position, _Statement], dict[str, str]]:
    """The statements that define ``names`` and what they use, breadth-first, by position.

    Fills in ``collection.found`` and ``collection.imported_from`` for
    ``names``, and notes a name the kernel has whose source is not found.  Also
    returns each used name no statement defines, with the name of its first user.
    """
    chosen: dict[_Position, _Statement] = {}
    queue: list[tuple[str, str | None, _Position | None]] = [(name, None, None) for name in names]
    seen: set[tuple[str, _Position | None]] = set()
    unresolved: dict[str, str] = {}
    while queue:
        name, user, before = queue.pop(0)
        if (name, before) in seen:
            continue
        seen.add((name, before))
        statement = resolver.resolve(name, before, len(chosen))
        if statement is None:
            if user is not None:
                unresolved.setdefault(name, user)
            elif resolver.namespace is not None and name in resolver.namespace:
                collection.notes.append(_no_source_note(name, resolver.namespace[name], resolver.module))
            continue
        if user is None:
            collection.found[name] = statement.label
            if statement.import_from:
                collection.imported_from[name] = statement.import_from
        if statement.position in chosen:
            continue
        chosen[statement.position] = statement
        queue.extend(_uses(statement))
    return chosen, unresolved


def _no_source_note(name: str, value: object, module: str) -> Text:
    """Why a name the kernel has could not be graded: it came from the exercise's file, or from exec."""
    kind = type(value)
    if module and (kind is types.FunctionType or kind is type) and value.__module__ == module:
        number = int(module[2:4])
        return Text(
            f"`{name}` comes from your file {module}.py, not from a cell: grade that file with "
            f"grade exercise {number}, or define `{name}` in a cell",
            f"`{name}` はセルではなく {module}.py から import されています。"
            f"そのファイルは grade exercise {number} で採点するか、セルで `{name}` を定義してください",
        )
    return Text(
        f"`{name}` is defined in this kernel, but its source could not be found "
        "(made with exec or %run?); define it in a cell and run check again",
        f"`{name}` はこのカーネルにありますが、ソースが見つかりません(exec や %run で作成?)。"
        "セルで定義してから check を実行してください",
    )


def _unresolved_note(
    name: str, user: str, namespace: Mapping[str, Any] | None, hidden: Mapping[str, Any] | None
) -> Text | None:
    """What to tell about a global name no statement defines (None for a builtin)."""
    ipython_only = name in IPYTHON_ONLY or (hidden is not None and name in hidden)
    if ipython_only:
        return Text(
            f"`{user}` uses `{name}`, which exists only in IPython and Jupyter: it fails when graded",
            f"`{user}` が使う `{name}` は IPython/Jupyter の中にしかないため、採点では失敗します",
        )
    if hasattr(builtins, name):
        return None
    where = "this kernel" if namespace is not None else "the notebook"
    where_ja = "このカーネル" if namespace is not None else "ノートブック"
    return Text(
        f"`{user}` uses `{name}`, which no cell of {where} defines: it fails where it is used",
        f"`{user}` が使う `{name}` は{where_ja}のどのセルでも定義されていないため、使われたところで失敗します",
    )
