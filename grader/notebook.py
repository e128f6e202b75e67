"""Grade exercises written in Jupyter notebooks, through the same sandbox as files.

Two ways in, one machinery:

``check(N)`` in a notebook cell grades what the learner has defined in the
kernel.  It only collects source text, never runs the learner's code here:

1. For each name exercise N's checks call (``CONTRACT_NAMES``), the statement
   that defines it *now*: for a function or class defined in a cell, its
   ``def``/``class`` block, found from the live object in the kernel's
   namespace (``co_filename``/``co_firstlineno`` of its code, whose cell source
   IPython keeps in ``linecache``; for a class, from one of its methods, since
   ``inspect.getsource`` can not find classes defined in a notebook); for
   anything else (constants, imports, ``relu = make_relu()``) the latest
   top-level statement of the kernel's input history that binds the name.
2. The statement's global names, found with ``symtable`` (which tells a global
   from a local), resolved the same way, recursively: a name used while the
   statement runs (a default value, a base class, the right-hand side of an
   assignment) by the latest binding *before* it, a name used inside a function
   body by the latest binding of all, as the kernel would.  Nothing else of the
   history is taken, so cells that train, plot or load data are left out.
3. The statements, in execution order, become ``exNN_<topic>.py`` in a
   temporary folder; each runs in its own ``try`` block, so an import that only
   worked in the notebook (``from common.functions import ...``) is reported
   and the rest still runs.  Earlier exercises defined in the notebook become
   their own ``exMM_<topic>.py`` (so ``from ex05_im2col import im2col``
   works), unless the kernel imported that module from a file, which is copied.
4. A separate grader process (``python -I``) grades the folder with
   ``grade_exercise``, so no verdict is computed in the kernel, whose NumPy
   the learner's cells may have patched; the kernel only shows the result.

Collecting looks only at ``type()`` of the kernel's values and at the code
objects of functions and plain classes: no property, ``__getattr__`` or
metaclass the learner wrote runs in the kernel.  Outside IPython, ``check``
reads the running script's file instead of a history.

Limits
------
Notebooks and sources are parsed here, in the grader's own process (or the
kernel's, for ``check``), so what is parsed is bounded first: a notebook file
at most ``MAX_NOTEBOOK_BYTES``, its JSON nested at most ``MAX_JSON_DEPTH``
deep, its code cells together at most ``MAX_NOTEBOOK_CODE_CHARS``; each cell or
script at most ``MAX_SOURCE_CHARS`` and its code nested at most
``MAX_CODE_DEPTH`` deep (CPython's own parser gives up on deeper code with a
``MemoryError`` or ``RecursionError``, and so would the walks over its tree
here).  Beyond them, ``InputLimitError`` (a ``UsageError``) says which cell or
file and what to do; ``grade`` shows it as ``grade: ...`` with exit status 2,
and in Jupyter ``check`` shows the message instead of a traceback.

``grade exercise N --file work.ipynb`` reads the notebook with ``json`` and
turns every code cell, in order, into one module, each cell in its own ``try``
block; IPython magics and shell lines are left out with a note, and a cell
that raises while the module is imported in the sandbox is reported (which
cell, which line, the error) while the other cells still run.  The failures
come back through one extra probe that reads the module's record of them as
bytes, like any other result.
"""

from __future__ import annotations

import ast
import builtins
import functools
import html
import io
import json
import linecache
import os
import re
import shutil
import signal
import subprocess
import symtable
import sys
import tempfile
import textwrap
import tokenize
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.errors import GraderError, InputLimitError, SandboxError, UsageError
from grader.grading.engine import EXERCISES, Check, get_exercise, grade_exercise
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.sandbox.client import EXERCISE_FILE, Probe
from grader.text import Text, default_language, plain

# The names each exercise's probes look up in the learner's module (tests keep it in step with the checks).
CONTRACT_NAMES: dict[int, tuple[str, ...]] = {
    1: ("step_function", "sigmoid", "relu", "identity_function", "forward"),
    2: ("softmax", "cross_entropy_error", "mean_squared_error", "one_hot"),
    3: ("d_sigmoid", "d_relu", "d_softmax_with_loss", "d_mean_squared_error", "backward"),
    4: ("SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"),
    5: ("conv_output_size", "im2col", "col2im"),
    6: ("numerical_diff", "numerical_gradient"),
    7: ("Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout", "BatchNormalization"),
    8: ("Convolution", "Pooling"),
    9: ("xavier_init", "he_init", "l2_penalty", "l1_penalty", "l2_grad", "l1_grad"),
    10: ("train", "predict"),
}

# cell magics whose body is plain Python: the body runs, the magic line is left out
PYTHON_CELL_MAGICS = ("time", "capture")
# names IPython puts into builtins or the user namespace; they do not exist when a module is graded
IPYTHON_ONLY = frozenset({"display", "get_ipython", "In", "Out", "exit", "quit", "__IPYTHON__"})
COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})
REPORT_FUNCTION = "_grade_report"
REPORT_CHECK = "notebook: cells that failed while the module was imported"
MAX_REPORTED_FAILURES = 50
META_FILE = "notebook.json"
# What is parsed in this process; the project's own code nests 20 deep, NumPy's 46.
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 100
MAX_NOTEBOOK_CODE_CHARS = 4_000_000
MAX_SOURCE_CHARS = 1_000_000
MAX_CODE_DEPTH = 100
MAX_REPORT_BYTES = 1024 * 1024

_MAGIC_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w.]*\s*=\s*[%!]")
_HELP_LINE = re.compile(r"^\s*(\?{1,2}[\w.*]+|[\w.*]+\?{1,2})\s*$")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<name>\w+)")
_TRACEBACK_FILE = re.compile(r'File "(?P<file>ex\d\d_\w+\.py)", line (?P<line>\d+)')
_JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


# --- from a cell to Python -----------------------------------------------------------------


@dataclass(frozen=True)
class CellCode:
    """One cell made ready for a module.

    ``code`` is ``None`` when the cell can not run as Python (a ``%%bash``
    cell, a syntax error); ``notes`` say what was left out and why.  Magic and
    shell lines become ``pass`` so that line numbers stay those of the cell.
    ``futures`` are the ``from __future__`` features the cell imported (taken
    out: they go to the top of the module).
    """

    label: Text
    code: str | None
    notes: tuple[Text, ...] = ()
    futures: tuple[str, ...] = ()


def _quoted(line: str, width: int = 60) -> str:
    line = line.strip()
    return line if len(line) <= width else line[: width - 3] + "..."


def _too_long(code: str, label: Text) -> None:
    if len(code) > MAX_SOURCE_CHARS:
        raise InputLimitError(
            f"{label.en} has {len(code):,} characters; the grader reads at most {MAX_SOURCE_CHARS:,} per cell "
            "or file: split it, or load big data from a file",
            f"{label.ja} は {len(code):,} 文字あります。採点ツールが読めるのはセルまたはファイルあたり "
            f"{MAX_SOURCE_CHARS:,} 文字までです。分割するか、大きなデータはファイルから読み込んでください",
        )


def _too_deep(label: Text) -> InputLimitError:
    return InputLimitError(
        f"{label.en} nests its code more than {MAX_CODE_DEPTH} levels deep (an expression like - - - ... 1), "
        "too deep to be read: simplify it (in a running kernel, restart it afterwards: check reads every "
        "cell the kernel ran)",
        f"{label.ja} のコードは {MAX_CODE_DEPTH} 段より深く入れ子になっていて(- - - ... 1 のような式)読めません。"
        "簡単にしてください(実行中のカーネルでは、その後カーネルを再起動してください。check は実行した"
        "すべてのセルを読みます)",
    )


def _parse(code: str, label: Text) -> ast.Module:
    """``ast.parse(code)`` within the limits; ``SyntaxError`` as usual, ``InputLimitError`` beyond them.

    The depth of the tree is measured without recursion, so the code here that
    walks it recursively (``_bound_names``) stays far from Python's limit.
    """
    _too_long(code, label)
    try:
        tree = ast.parse(code)
    except (MemoryError, RecursionError):  # how CPython's parser says "nested too deep"
        raise _too_deep(label) from None
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise _too_deep(label)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _compiles(code: str, label: Text) -> SyntaxError | None:
    """The ``SyntaxError`` of ``code``, or None.  Compiling runs nothing."""
    _too_long(code, label)
    try:
        compile(code, "<cell>", "exec", dont_inherit=True)
    except SyntaxError as problem:
        return problem
    except ValueError as problem:  # a NUL byte
        return SyntaxError(str(problem))
    except (MemoryError, RecursionError):  # how CPython's parser says "nested too deep"
        raise _too_deep(label) from None
    return None


def clean_cell(source: str, label: Text) -> CellCode:
    """Turn the source of one code cell into plain Python, or say why it can not be.

    Parameters
    ----------
    source : str
        The cell as the learner typed it (magics, ``!`` shell lines and all).
    label : Text
        How notes name the cell, e.g. ``cell 3`` or ``In [7]``.

    Raises
    ------
    InputLimitError
        When the cell is longer than ``MAX_SOURCE_CHARS`` or its code nests
        deeper than ``MAX_CODE_DEPTH``.
    """
    _too_long(source, label)
    # a lone surrogate (possible in JSON) could not be written to the module file
    text = source.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    notes: list[Text] = []
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    if first is not None and (magic := _CELL_MAGIC.match(lines[first])):
        name = magic.group("name")
        if name not in PYTHON_CELL_MAGICS:
            return CellCode(
                label,
                None,
                (
                    Text(
                        f"{label.en} was left out: it is a %%{name} cell, not Python",
                        f"{label.ja} は %%{name} のセルで Python ではないため飛ばしました",
                    ),
                ),
            )
        lines[first] = ""
        notes.append(
            Text(
                f"{label.en}: ran the body of the %%{name} cell without the magic",
                f"{label.ja}: %%{name} のセルはマジックを除いた本体だけを実行しました",
            )
        )
    code = "\n".join(lines)
    problem = _compiles(code, label)
    if problem is not None:
        replaced = []
        for index, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or _MAGIC_ASSIGNMENT.match(line) or _HELP_LINE.match(line):
                replaced.append((index, stripped))
                lines[index] = line[: len(line) - len(stripped)] + "pass"
        if replaced:
            code = "\n".join(lines)
            problem = _compiles(code, label)
        if problem is None:
            for index, stripped in replaced:
                shell = stripped.startswith("!") or re.match(r"^[\w.]+\s*=\s*!", stripped)
                what_en, what_ja = (
                    ("shell command", "シェルコマンド") if shell else ("IPython magic", "IPython マジック")
                )
                notes.append(
                    Text(
                        f"{label.en}, line {index + 1}: left out the {what_en} `{_quoted(stripped)}`",
                        f"{label.ja} の {index + 1} 行目: {what_ja} `{_quoted(stripped)}` を飛ばしました",
                    )
                )
    if problem is not None:
        where = f", line {problem.lineno}" if problem.lineno else ""
        where_ja = f" の {problem.lineno} 行目" if problem.lineno else ""
        reason = problem.msg or str(problem)
        return CellCode(
            label,
            None,
            (
                *notes,
                Text(
                    f"{label.en} was left out: syntax error{where} ({reason})",
                    f"{label.ja}{where_ja}に構文エラーがあるため、このセルを飛ばしました({reason})",
                ),
            ),
        )
    futures: list[str] = []
    for node in _parse(code, label).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            futures.extend(alias.name for alias in node.names)
            for row in range(node.lineno - 1, (node.end_lineno or node.lineno)):
                lines[row] = "pass" if row == node.lineno - 1 else ""
    if futures:
        code = "\n".join(lines)
    return CellCode(label, code, tuple(notes), tuple(futures))


# --- one module from many pieces -------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """A piece of learner code and where it came from: a whole cell, or one statement of one."""

    label: Text
    code: str
    first_line: int = 1  # the line of the cell the code starts on


@dataclass(frozen=True)
class Span:
    """Lines ``first``-``last`` of a generated module hold lines ``cell_line``... of ``label``."""

    first: int
    last: int
    label: Text
    cell_line: int

    def to_data(self) -> list:
        """The span as JSON data."""
        return [self.first, self.last, self.label.en, self.label.ja, self.cell_line]

    @classmethod
    def from_data(cls, data: Sequence) -> Span:
        """A span from ``to_data``'s form."""
        first, last, label_en, label_ja, cell_line = data
        return cls(int(first), int(last), Text(str(label_en), str(label_ja)), int(cell_line))


@dataclass(frozen=True)
class GeneratedModule:
    """The text of a module built from chunks and where each chunk's lines went."""

    text: str
    spans: tuple[Span, ...]
    notes: tuple[Text, ...] = ()

    def locate(self, line: int) -> tuple[Text, int] | None:
        """The chunk label and the line in its cell of the module's ``line``."""
        return _locate(self.spans, line)


def _locate(spans: Sequence[Span], line: int) -> tuple[Text, int] | None:
    for span in spans:
        if span.first <= line <= span.last:
            return span.label, span.cell_line + line - span.first
    return None


def _continuation_rows(code: str) -> set[int]:
    """1-based rows that lie inside a token that spans lines (a triple-quoted string)."""
    rows: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.start[0] < token.end[0] and token.type != tokenize.NL:
                rows.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    return rows


def _indented(code: str) -> list[str]:
    """``code``'s lines, each prefixed with a tab so they can go into a ``try`` block.

    A tab (not spaces) keeps every line's indentation consistent with the
    others whatever mixture the learner used; lines inside a multi-line string
    are left alone so the string's value does not change.
    """
    inside = _continuation_rows(code)
    return [
        line if row in inside or not line.strip() else "\t" + line for row, line in enumerate(code.split("\n"), start=1)
    ]


_HEADER = """\
# Generated by `grade` from {origin}.
# Each cell runs in its own try block: a cell that fails is recorded, and the cells after it still run.
{future}
_GRADE_FAILURES = []


def _grade_cell_failed(chunk, error):
    import os
    import traceback

    try:
        message = f"{{type(error).__name__}}: {{error}}"
    except BaseException:
        message = type(error).__name__
    message = message.replace(os.path.dirname(__file__) + os.sep, "")
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == __file__]
    _GRADE_FAILURES.append({{"chunk": chunk, "lines": lines[-6:], "error": message[:1000]}})


def {report}():
    import json

    import numpy

    data = json.dumps(_GRADE_FAILURES[:{limit}]).encode()
    return numpy.frombuffer(data, dtype=numpy.uint8).copy()
"""


def build_module(chunks: Sequence[Chunk], futures: Iterable[str] = (), origin: str = "a notebook") -> GeneratedModule:
    """Write ``chunks`` as one module, each in a ``try`` block that records its failure.

    Parameters
    ----------
    chunks : sequence of Chunk
        The learner's code, in the order it is to run.
    futures : iterable of str
        ``from __future__`` features to put at the top (``annotations``).
    origin : str
        Named in the module's first comment line.
    """
    future_names = sorted(set(futures))
    future = f"from __future__ import {', '.join(future_names)}\n" if future_names else ""
    header = _HEADER.format(
        origin=origin.replace("\n", " "), future=future, report=REPORT_FUNCTION, limit=MAX_REPORTED_FAILURES
    )
    out = header.split("\n")
    spans: list[Span] = []
    notes: list[Text] = []
    for chunk in chunks:
        body = _indented(chunk.code)
        index = len(spans)
        block = [
            f"# --- {chunk.label.en}",
            "try:",
            *body,
            "\tpass",
            "except BaseException as _grade_error:  # noqa: BLE001 - recorded and reported",
            f"\t_grade_cell_failed({index}, _grade_error)",
        ]
        problem = _compiles(future + "\n".join(block), chunk.label)
        if problem is not None:
            notes.append(
                Text(
                    f"{chunk.label.en} was left out: it can not run inside a module ({problem.msg})",
                    f"{chunk.label.ja} はモジュールの中では実行できないため飛ばしました({problem.msg})",
                )
            )
            continue
        first = len(out) + 3  # the comment and "try:" come first; lines count from 1
        spans.append(Span(first, first + len(body) - 1, chunk.label, chunk.first_line))
        out.extend(block)
        out.append("")
    return GeneratedModule("\n".join(out) + "\n", tuple(spans), tuple(notes))


# --- reading a notebook file ---------------------------------------------------------------------


def notebook_code_cells(path: Path) -> list[CellCode]:
    """The code cells of the ``.ipynb`` file at ``path``, cleaned, in order.

    Read with the standard ``json`` module (nbformat 4), within the limits of
    the module docstring.  Cells are named ``cell 3`` (the third code cell),
    with their first line to recognise them.
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise InputLimitError(
                f"{path} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB, more than the grader reads: clear its "
                "outputs (Edit > Clear Outputs of All Cells in Jupyter), save it and grade it again",
                f"{path} は {MAX_NOTEBOOK_BYTES // 2**20} MiB を超えていて、採点ツールが読める大きさを超えています。"
                "出力を消去(Jupyter の Edit > Clear Outputs of All Cells)して保存し、もう一度採点してください",
            )
        text = data.decode("utf-8")
        _check_json_depth(text, path)
        document = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise UsageError(f"{path} is not a readable Jupyter notebook: {problem}") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise UsageError(
            f"{path} is not a Jupyter notebook in nbformat 4 (no 'cells' list); "
            "save it again from Jupyter, or grade the .py file"
        )
    found: list[CellCode] = []
    total = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        total += len(str(source))
        if total > MAX_NOTEBOOK_CODE_CHARS:
            raise InputLimitError(
                f"the code cells of {path} have more than {MAX_NOTEBOOK_CODE_CHARS:,} characters together, more "
                "than the grader reads: keep the exercise's code in this notebook and the rest elsewhere",
                f"{path} のコードセルは合わせて {MAX_NOTEBOOK_CODE_CHARS:,} 文字を超えていて、採点ツールが読める量を"
                "超えています。課題のコードだけをこのノートブックに残してください",
            )
        number = len(found) + 1
        first_line = next((line.strip() for line in str(source).splitlines() if line.strip()), "")
        preview = f" (`{_quoted(first_line, 40)}`)" if first_line else ""
        found.append(clean_cell(str(source), Text(f"cell {number}{preview}", f"セル {number}{preview}")))
    return found


def _check_json_depth(text: str, path: Path) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` before ``json`` recurses into it (one pass)."""
    depth = 0
    for found in _JSON_STRING_OR_BRACKET.finditer(text):
        bracket = found.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InputLimitError(
                    f"{path} nests its JSON more than {MAX_JSON_DEPTH} levels deep; a notebook saved by Jupyter "
                    "nests a handful: save it again from Jupyter",
                    f"{path} の JSON は {MAX_JSON_DEPTH} 段より深く入れ子になっています。Jupyter が保存する"
                    "ノートブックは数段です。Jupyter で保存し直してください",
                )
        elif bracket in "]}":
            depth -= 1


# --- finding what the learner defined ---------------------------------------------------------


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


def _live_definition(name: str, value: object, cells: Sequence[CellCode], order: int) -> _Statement | None:
    """The ``def``/``class`` block that made ``value``, from its code's source in ``linecache``.

    None when ``value`` is not a function or class defined at the top of a cell
    or script (a lambda, a closure, something imported, something made by exec).
    """
    # only type() and the attributes of functions and plain classes are looked at: nothing the
    # learner wrote (a property, __getattr__, a metaclass) runs in the kernel
    if type(value) is types.FunctionType:
        code = value.__code__
        if value.__module__ != "__main__" or code.co_name != name or value.__qualname__ != name or code.co_freevars:
            return None
        filename, line = code.co_filename, code.co_firstlineno
        kinds: tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef)
        is_class = False
    elif type(value) is type:
        if value.__module__ != "__main__" or value.__name__ != name or value.__qualname__ != name:
            return None
        method = None
        for member in vars(value).values():
            if type(member) in (staticmethod, classmethod):
                member = member.__func__
            elif type(member) is property:
                member = member.fget
            if type(member) is types.FunctionType:
                method = member.__code__
                break
        if method is None:
            return None
        filename, line = method.co_filename, method.co_firstlineno
        kinds = (ast.ClassDef,)
        is_class = True
    else:
        return None
    lines = linecache.getlines(filename)
    if not lines:
        return None
    try:
        tree = _parse("".join(lines), plain(Path(filename).name or filename))
    except SyntaxError:
        return None
    found = None
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            # a function's code starts at its first line; a class holds the line of its method
            if first <= line <= (node.end_lineno or first) if is_class else first == line:
                found = node
    if found is None:
        return None
    code_text = _segment([line.rstrip("\n") for line in lines], found)
    load, call = _dependencies(code_text)
    # name the cell it came from: the latest cell that holds this very text
    for index in range(len(cells) - 1, -1, -1):
        cell = cells[index]
        if cell.code is not None and code_text in cell.code:
            cell_line = cell.code[: cell.code.index(code_text)].count("\n") + 1
            return _Statement((index, cell_line, 0), cell.label, cell_line, code_text, frozenset({name}), load, call)
    label = plain(Path(filename).name if Path(filename).is_file() else f"the definition of {name}")
    return _Statement((len(cells), order, 0), label, 1, code_text, frozenset({name}), load, call)


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
    by_name: dict[str, list[_Statement]] = {}
    for statement in statements:
        for name in statement.binds:
            by_name.setdefault(name, []).append(statement)
    stars = [statement for statement in statements if statement.star]
    futures = sorted({feature for cell in cells for feature in cell.futures})
    chosen: dict[tuple[int, int, int], _Statement] = {}
    collection = Collection([], tuple(futures))
    synthetic = [0]

    def latest(name: str, before: tuple[int, int, int] | None) -> _Statement | None:
        candidates = [s for s in by_name.get(name, ()) if before is None or s.position < before]
        return candidates[-1] if candidates else None

    def synthesised(name: str, value: object) -> _Statement | None:
        """An import statement for a module or a module's function (``np``, ``sqrt``)."""
        if type(value) is types.ModuleType:
            imported = value.__name__
            code = f"import {imported}" if imported == name else f"import {imported} as {name}"
        else:
            if type(value) not in (types.FunctionType, types.BuiltinFunctionType, type):
                return None
            origin = value.__module__
            qualname = value.__qualname__
            if not isinstance(origin, str) or origin in ("__main__", module) or not qualname.isidentifier():
                return None
            module_stars = [s for s in stars if s.import_from == origin]
            if module_stars:
                return module_stars[-1]
            code = f"from {origin} import {qualname}" + (f" as {name}" if qualname != name else "")
        synthetic[0] += 1
        return _Statement(
            (-1, synthetic[0], 0),
            plain("import"),
            1,
            code,
            frozenset({name}),
            frozenset(),
            frozenset(),
            import_from=origin if type(value) is not types.ModuleType else "",
        )

    def resolve(name: str, before: tuple[int, int, int] | None) -> _Statement | None:
        if namespace is not None and before is None:
            if name not in namespace:
                return None
            value = namespace[name]
            live = _live_definition(name, value, cells, len(chosen))
            if live is not None:
                return live
            return latest(name, None) or synthesised(name, value)
        found = latest(name, before)
        if found is None and namespace is not None and name in namespace:
            found = synthesised(name, namespace[name])
        return found

    queue: list[tuple[str, str | None, tuple[int, int, int] | None]] = [(name, None, None) for name in names]
    seen: set[tuple[str, tuple[int, int, int] | None]] = set()
    unresolved: dict[str, str] = {}
    while queue:
        name, user, before = queue.pop(0)
        if (name, before) in seen:
            continue
        seen.add((name, before))
        statement = resolve(name, before)
        if statement is None:
            if user is not None:
                unresolved.setdefault(name, user)
            elif namespace is not None and name in namespace:
                collection.notes.append(_no_source_note(name, namespace[name], module))
            continue
        if user is None:
            collection.found[name] = statement.label
            if statement.import_from:
                collection.imported_from[name] = statement.import_from
        if statement.position in chosen:
            continue
        chosen[statement.position] = statement
        user_name = sorted(statement.binds)[0] if statement.binds else statement.code.split("\n")[0]
        for dependency in sorted(statement.load):
            queue.append((dependency, user_name, statement.position))
        for dependency in sorted(statement.call):
            queue.append((dependency, user_name, None))
    for name, user in sorted(unresolved.items()):
        note = _unresolved_note(name, user, namespace, hidden)
        if note is not None:
            collection.notes.append(note)
    for statement in sorted(chosen.values(), key=lambda s: s.position):
        collection.chunks.append(Chunk(statement.label, statement.code, statement.line))
    return collection


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


# --- the folder that gets graded --------------------------------------------------------------------


def _write_module(folder: Path, module: str, generated: GeneratedModule, spans: dict[str, list]) -> None:
    (folder / f"{module}.py").write_text(generated.text, encoding="utf-8")
    spans[f"{module}.py"] = [span.to_data() for span in generated.spans]


def _defines(collection: Collection) -> bool:
    """Whether the notebook itself defines some of the names (not only imports them)."""
    return any(name not in collection.imported_from for name in collection.found)


def _write_earlier_exercises(
    number: int,
    folder: Path,
    cells: Sequence[CellCode],
    spans: dict[str, list],
    namespace: Mapping[str, Any] | None,
    hidden: Mapping[str, Any] | None,
    origin: str,
) -> list[Text]:
    """Earlier exercises the notebook defines, as their own ``exMM_<topic>.py``."""
    notes: list[Text] = []
    for earlier in sorted(n for n in EXERCISES if n < number):
        module = EXERCISES[earlier].module
        if namespace is not None:
            loaded = sys.modules.get(module)
            file = vars(loaded).get("__file__") if type(loaded) is types.ModuleType else None
            if isinstance(file, str) and Path(file).is_file():
                # the kernel imported this exercise from a file: that file is what its cells used
                shutil.copyfile(file, folder / f"{module}.py")
                continue
        collection = collect_definitions(cells, CONTRACT_NAMES[earlier], namespace, hidden, module)
        if not _defines(collection):
            continue
        generated = build_module(collection.chunks, collection.futures, origin)
        _write_module(folder, module, generated, spans)
        notes += collection.notes + list(generated.notes)
    return notes


def _copy_exercise_files(source: Path, folder: Path, skip: str) -> None:
    """The learner's own ``exNN_*.py`` files next to the notebook, as the sandbox copies a file's neighbours."""
    try:
        neighbours = list(source.iterdir())
    except OSError:
        return
    for path in neighbours:
        if EXERCISE_FILE.match(path.name) and path.name != f"{skip}.py" and path.is_file():
            shutil.copyfile(path, folder / path.name)


def _imports_the_grader(code: str) -> bool:
    """Whether a cell imports ``grader`` at its top level (``from grader import check``)."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "grader" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "grader":
            return True
    return False


def prepare_notebook_file(number: int, notebook: Path, folder: Path) -> dict:
    """Write the module of exercise ``number`` built from every code cell of ``notebook`` into ``folder``.

    Returns the metadata ``grade_folder`` needs (where each cell's lines went, notes).
    """
    exercise = get_exercise(number)
    cells = notebook_code_cells(notebook)
    notes = [note for cell in cells for note in cell.notes]
    spans: dict[str, list] = {}
    _copy_exercise_files(notebook.resolve().parent, folder, exercise.module)
    notes += _write_earlier_exercises(number, folder, cells, spans, None, None, notebook.name)
    chunks = []
    for cell in cells:
        if cell.code is None:
            continue
        if _imports_the_grader(cell.code):
            # `from grader import check; check(3)`: the grader can not be imported while grading
            notes.append(
                Text(
                    f"{cell.label.en} was left out: it runs the grader, which is not part of your solution",
                    f"{cell.label.ja} は採点ツールを呼び出すセルなので飛ばしました",
                )
            )
            continue
        chunks.append(Chunk(cell.label, cell.code))
    futures = [feature for cell in cells for feature in cell.futures]
    generated = build_module(chunks, futures, notebook.name)
    _write_module(folder, exercise.module, generated, spans)
    notes += generated.notes
    return {
        "number": number,
        "shown_as": str(notebook),
        "source": "file",
        "spans": spans,
        "notes": [[note.en, note.ja] for note in notes],
    }


def prepare_kernel(
    number: int,
    folder: Path,
    cells: Sequence[CellCode],
    namespace: Mapping[str, Any] | None,
    hidden: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    shown_as: str = "this notebook",
) -> dict:
    """Write the module of exercise ``number`` from the definitions of a kernel into ``folder``.

    Only the statements that define the exercise's names and what they use are
    written (see the module docstring); no learner code runs here.
    """
    exercise = get_exercise(number)
    spans: dict[str, list] = {}
    if cwd is not None:
        _copy_exercise_files(cwd, folder, exercise.module)
    notes = _write_earlier_exercises(number, folder, cells, spans, namespace, hidden, shown_as)
    collection = collect_definitions(cells, CONTRACT_NAMES[number], namespace, hidden, exercise.module)
    generated = build_module(collection.chunks, collection.futures, shown_as)
    _write_module(folder, exercise.module, generated, spans)
    if collection.found:
        where = ", ".join(f"{name} ({label.en})" for name, label in collection.found.items())
        where_ja = ", ".join(f"{name} ({label.ja})" for name, label in collection.found.items())
        notes.insert(0, Text(f"graded your definitions of {where}", f"採点した定義: {where_ja}"))
    notes += collection.notes + list(generated.notes)
    return {
        "number": number,
        "shown_as": shown_as,
        "source": "kernel",
        "spans": spans,
        "notes": [[note.en, note.ja] for note in notes],
    }


# --- grading the folder ------------------------------------------------------------------------------


def _report_check(store: dict) -> Check:
    """A check worth nothing whose probe brings back the module's record of failed cells."""
    probe = Probe()
    probe.save(probe.call(REPORT_FUNCTION), "report")

    def verify(run) -> None:
        store["array"] = run.output("report").array
        return None

    return Check(REPORT_CHECK, REPORT_CHECK, probe, verify, points=0.0)


def _decode_failures(array: Any) -> list[dict]:
    """The module's record of failed cells, from the bytes the probe brought back."""
    if getattr(array, "nbytes", 0) > MAX_REPORT_BYTES:  # the module wrote it, and the learner's code ran there
        return []
    try:
        records = json.loads(bytes(array.tobytes()).decode("utf-8"))
    except (AttributeError, ValueError, UnicodeDecodeError, RecursionError):
        return []
    if not isinstance(records, list):
        return []
    usable = []
    for record in records[:MAX_REPORTED_FAILURES]:
        if not isinstance(record, dict):
            continue
        chunk, lines, error = record.get("chunk"), record.get("lines"), record.get("error")
        if isinstance(chunk, int) and isinstance(lines, list) and isinstance(error, str):
            usable.append({"chunk": chunk, "lines": [n for n in lines if isinstance(n, int)], "error": error[:1000]})
    return usable


def _failure_note(record: dict, spans: Sequence[Span]) -> Text | None:
    """``cell 3 (`x = load()`) raised NameError: ... (line 1); the rest still ran``."""
    if not 0 <= record["chunk"] < len(spans):
        return None
    span = spans[record["chunk"]]
    places = [located for n in record["lines"] if (located := _locate(spans, n)) is not None]
    own = [line for label, line in places if label == span.label]
    where_en = [f"line {own[0]}"] if own else []
    where_ja = [f"{own[0]} 行目"] if own else []
    if places and (not own or places[-1] != (span.label, own[0])):
        # it went wrong inside a function the cell called
        label, line = places[-1]
        where_en.append(f"in {label.en}, line {line}")
        where_ja.append(f"{label.ja} の {line} 行目")
    en = f" ({'; '.join(where_en)})" if where_en else ""
    ja = f"({'、'.join(where_ja)})" if where_ja else ""
    error = record["error"]
    return Text(
        f"{span.label.en} raised {error}{en}; the rest still ran",
        f"{span.label.ja} で {error} が発生しました{ja}。残りは実行しました",
    )


def _map_traceback(text: str, spans: Mapping[str, Sequence[Span]], lang: str) -> str:
    """``File "ex01_activations.py", line 57`` to ``cell 3, line 4`` in a generated module."""

    def where(match: re.Match) -> str:
        located = _locate(spans.get(match.group("file"), ()), int(match.group("line")))
        if located is None:
            return match.group(0)
        label, line = located
        return f"{label(lang)}, line {line}"

    return _TRACEBACK_FILE.sub(where, text)


def _notebook_wording(text: Text, spans: Mapping[str, Sequence[Span]], source: str) -> Text:
    en = _map_traceback(text.en, spans, "en")
    ja = _map_traceback(text.ja, spans, "ja")
    if source == "kernel":
        en = en.replace("your file defines no", "no cell of this kernel defines")
        ja = ja.replace("ファイルに `", "このカーネルのセルに `")
    else:
        en = en.replace("your file defines no", "no code cell of the notebook defines")
        ja = ja.replace("ファイルに `", "ノートブックのセルに `")
    return Text(en, ja)


def _not_run_note(report: CheckResult, spans: Mapping[str, Sequence[Span]], source: str) -> Text:
    """Why the cells could not be run at all (a time-out, an exit, a crash while importing)."""
    said = [_notebook_wording(line, spans, source) for line in report.lines]
    en = "the cells could not all run in the sandbox: " + "; ".join(line.en for line in said)
    ja = "セルをサンドボックスですべて実行できませんでした: " + "; ".join(line.ja for line in said)
    if any("did not finish" in line.en for line in said):
        en += (
            "; keep long runs (training, loading data) out of the graded cells, or grade with check(N) "
            "in the notebook, which takes only your definitions"
        )
        ja += (
            "。時間のかかる処理(学習やデータ読み込み)を採点されるセルから外すか、"
            "定義だけを使う check(N) で採点してください"
        )
    return Text(en, ja)


def grade_folder(
    number: int, folder: Path, meta: Mapping, *, timeout: float | None = None, jobs: int = 2
) -> ExerciseResult:
    """Grade the module ``prepare_*`` wrote into ``folder``; an ``ExerciseResult`` in the notebook's terms.

    Tracebacks name the cell and its line instead of the generated file, the
    cells that failed while the module was imported are added to the notes
    (``result.extra["notes"]``), and the result names the notebook.
    """
    exercise = get_exercise(number)
    spans = {name: [Span.from_data(item) for item in items] for name, items in dict(meta.get("spans", {})).items()}
    notes = [Text(str(en), str(ja)) for en, ja in meta.get("notes", [])]
    store: dict = {}
    checks = [*exercise.build_checks(), _report_check(store)]
    result = grade_exercise(number, folder / f"{exercise.module}.py", timeout=timeout, jobs=jobs, checks=checks)
    source = str(meta.get("source", "file"))
    results = []
    for check in result.results:
        if check.name == REPORT_CHECK:
            if check.status != Status.PASSED:
                notes.append(_not_run_note(check, spans, source))
            continue
        results.append(
            replace(
                check,
                lines=tuple(_notebook_wording(line, spans, source) for line in check.lines),
            )
        )
    module_spans = spans.get(f"{exercise.module}.py", [])
    for record in _decode_failures(store.get("array")):
        note = _failure_note(record, module_spans)
        if note is not None:
            notes.append(note)
    return replace(
        result,
        submission=Path(str(meta.get("shown_as", folder))),
        results=tuple(results),
        extra={**result.extra, "notes": tuple(notes)},
    )


def grade_notebook_file(number: int, notebook: Path, *, timeout: float | None = None, jobs: int = 2) -> ExerciseResult:
    """Grade the code cells of the ``.ipynb`` file ``notebook`` as exercise ``number``.

    Magics and shell lines are left out, each cell runs in its own ``try``
    block in the sandbox, and the result's ``extra["notes"]`` tells what was
    left out and which cells failed.
    """
    notebook = Path(notebook)
    if not notebook.is_file():
        raise UsageError(f"no such file: {notebook}")
    folder = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
    try:
        meta = prepare_notebook_file(number, notebook, folder)
        return grade_folder(number, folder, meta, timeout=timeout, jobs=jobs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- check(N) in a kernel -----------------------------------------------------------------------------


def _kernel_cells() -> tuple[list[CellCode], Mapping[str, Any], Mapping[str, Any], str]:
    """The input history, namespace, hidden names and name of the running IPython kernel or script."""
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is not None:
        history = list(shell.history_manager.input_hist_raw)
        cells = [
            clean_cell(source, plain(f"In [{count}]"))
            for count, source in enumerate(history)
            if count and isinstance(source, str) and source.strip()
        ]
        shown_as = os.environ.get("JPY_SESSION_NAME") or "this notebook"
        return cells, shell.user_ns, getattr(shell, "user_ns_hidden", {}), shown_as
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if main is not None and isinstance(file, str) and Path(file).is_file():
        with open(file, "rb") as handle:
            # never more than a source may hold: clean_cell refuses what is longer
            text = handle.read(4 * MAX_SOURCE_CHARS + 1).decode("utf-8", errors="replace")
        return [clean_cell(text, plain(Path(file).name))], vars(main), {}, file
    raise UsageError(
        "check() reads your definitions from the notebook's history: run it in Jupyter, Colab or IPython; "
        "for a file, run: grade exercise N --file yourfile.py"
    )


_BOOTSTRAP = "import sys; sys.path.insert(0, sys.argv[1]); from grader.notebook import _grade_main; _grade_main()"


def _grade_main() -> None:
    """The grading process ``check`` starts: grade the folder named on the command line, print JSON."""
    folder = Path(sys.argv[2])
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    try:
        result = grade_folder(int(meta["number"]), folder, meta, timeout=meta.get("timeout"), jobs=int(meta["jobs"]))
        document = {"result": result.to_data()}
    except GraderError as problem:
        document = {"error": str(problem), "kind": type(problem).__name__}
    sys.stdout.write(json.dumps(document))
    sys.stdout.flush()
    os._exit(0)


def _grade_elsewhere(folder: Path, meta: dict) -> ExerciseResult:
    """Grade ``folder`` in a fresh grader process: none of the verdict is computed in the kernel."""
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", _BOOTSTRAP, root, str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
        start_new_session=True,
    )
    try:
        out, err = process.communicate()
    except BaseException:  # Ctrl-C / interrupting the kernel: take the grading down with it
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    try:
        document = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SandboxError(
            "the grading process ended without a result:\n" + err.decode("utf-8", "replace")[-2000:]
        ) from None
    if "error" in document:
        kind = UsageError if document.get("kind") == "UsageError" else GraderError
        raise kind(str(document["error"]))
    return ExerciseResult.from_data(document["result"])


@dataclass(frozen=True)
class NotebookResult:
    """What ``check(N)`` returns: a table in Jupyter, the usual text report elsewhere.

    ``passed``, ``score``, ``max_score``, ``results`` and ``notes`` are there
    for code; ``to_json()`` is the ``grade exercise --format json`` document.
    """

    result: ExerciseResult
    lang: str = "en"

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return self.result.passed

    @property
    def score(self) -> float:
        """Points earned."""
        return self.result.score

    @property
    def max_score(self) -> float:
        """Points available."""
        return self.result.max_score

    @property
    def results(self) -> tuple[CheckResult, ...]:
        """Every check's verdict."""
        return self.result.results

    @property
    def notes(self) -> tuple[Text, ...]:
        """What was graded, left out, or failed while the definitions ran."""
        return tuple(self.result.extra.get("notes", ()))

    def to_json(self) -> dict:
        """The ``grade exercise N --format json`` document (with ``notes``)."""
        return self.result.to_json(self.lang)

    def __str__(self) -> str:
        return _rerun_in_notebook(self.result.to_text(self.lang), self.result.exercise.number)

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        return _rerun_in_notebook(render_html(self.result, self.lang), self.result.exercise.number)


def _rerun_in_notebook(text: str, number: int) -> str:
    """In a notebook the way to grade again is ``check(N)``, not the command line."""
    return text.replace(f"re-run: grade exercise {number}", f"re-run: check({number})").replace(
        f"再実行: grade exercise {number}", f"再実行: check({number})"
    )


_STATUS_HTML = {
    Status.PASSED: ("\u2713", "PASS", "#e6f4ea"),
    Status.NOT_ATTEMPTED: ("\u2026", "TODO", "#fff8e1"),
}
_FAILED_HTML = ("\u2717", "FAIL", "#fdecea")


def render_html(result: ExerciseResult, lang: str) -> str:
    """An HTML table of ``result`` for Jupyter: every text escaped, pass and fail told by a word and a mark."""
    from grader.grading.feedback import check_detail, summary

    e = html.escape
    number = result.exercise.number
    heading = Text(f"Exercise {number}: ", f"課題 {number}: ")(lang) + result.exercise.title(lang)
    parts = [
        '<div class="dlgrade-result">',
        f"<p><strong>{e(heading)}</strong> <small>{e(str(result.submission))}</small></p>",
        f"<p><strong>{e(summary(result, lang))}</strong></p>",
    ]
    notes = result.extra.get("notes", ())
    if notes:
        parts.append("<ul>" + "".join(f"<li>{e(note(lang))}</li>" for note in notes) + "</ul>")
    column = Text("result|check|points|details", "結果|チェック|得点|詳細")(lang).split("|")
    parts.append('<table style="border-collapse:collapse;text-align:left">')
    head = "padding:2px 8px;text-align:left;border-bottom:1px solid #999"
    parts.append("<thead><tr>" + "".join(f'<th style="{head}">{e(c)}</th>' for c in column) + "</tr></thead>")
    parts.append("<tbody>")
    for check in result.results:
        mark, word, background = _STATUS_HTML.get(check.status, _FAILED_HTML)
        if check.passed:
            detail_lines = [line(lang) for line in check.lines]
        else:
            detail_lines = [line[2:] if line.startswith("  ") else line for line in check_detail(check, lang)]
        detail = "\n".join(detail_lines)
        points = f"{check.score:g}/{check.max_score:g}"
        cell = "padding:2px 8px;vertical-align:top;text-align:left"
        parts.append(
            f'<tr class="dlgrade-{e(check.status)}">'
            f'<td style="{cell};background:{background};white-space:nowrap"><strong>{mark} {e(word)}</strong></td>'
            f'<td style="{cell}">{e(check.title(lang))}</td>'
            f'<td style="{cell}">{e(points)}</td>'
            f'<td style="{cell}"><pre style="margin:0;white-space:pre-wrap">{e(detail)}</pre></td>'
            "</tr>"
        )
    parts.append("</tbody></table>")
    parts.append("</div>")
    return "\n".join(parts)


def check(number: int, *, lang: str | None = None, timeout: float | None = None, jobs: int = 2) -> NotebookResult:
    """Grade exercise ``number`` from what this notebook's kernel defines, in the sandbox.

    Parameters
    ----------
    number : int
        The exercise (``check(3)`` grades ``d_sigmoid``, ``backward``, ...).
    lang : {"en", "ja"}, optional
        Language of the feedback; from the locale when ``None``.
    timeout : float, optional
        Seconds one graded call may take; the exercise's own when ``None``.
    jobs : int
        Checks run at once.

    Returns
    -------
    NotebookResult
        Shown as a table in Jupyter and as the text report elsewhere.

    Examples
    --------
    In a notebook cell, after the cells that define the functions::

        from grader import check
        check(1)
    """
    get_exercise(number)
    cells, namespace, hidden, shown_as = _kernel_cells()
    folder = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
    try:
        meta = prepare_kernel(number, folder, cells, namespace, hidden, cwd=Path.cwd(), shown_as=shown_as)
        meta["timeout"] = timeout
        meta["jobs"] = int(jobs)
        result = _grade_elsewhere(folder, meta)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return NotebookResult(result, lang or default_language())
