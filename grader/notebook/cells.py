"""From a cell to Python: magics and shell lines out, the parse limits, a notebook file's code cells.

Everything here is parsed in the grader's own process (or the kernel's, for
``check``), so it is bounded first: see the limits in the package docstring.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputLimitError, UsageError
from grader.text import Text

# cell magics whose body is plain Python: the body runs, the magic line is left out
PYTHON_CELL_MAGICS = ("time", "capture")
# What is parsed in this process; the project's own code nests 20 deep, NumPy's 46.
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 100
MAX_NOTEBOOK_CODE_CHARS = 4_000_000
MAX_SOURCE_CHARS = 1_000_000
MAX_CODE_DEPTH = 100

_MAGIC_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w.]*\s*=\s*[%!]")
_HELP_LINE = re.compile(r"^\s*(\?{1,2}[\w.*]+|[\w.*]+\?{1,2})\s*$")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<name>\w+)")
_JSON_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


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


def parse(code: str, label: Text) -> ast.Module:
    """``ast.parse(code)`` within the limits; ``SyntaxError`` as usual, ``InputLimitError`` beyond them.

    The depth of the tree is measured without recursion, so the code here that
    walks it recursively (``_bound_names`` in ``collect.py``) stays far from Python's limit.
    """
    _too_long(code, label)
    try:
        tree = ast.parse(code)
    except (MemoryError, RecursionError):  # how CPython's parser says "nested too deep"
        raise _too_deep(label) from None
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CODE_DEPTH:
            raise _too_deep(label)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def compiles(code: str, label: Text) -> SyntaxError | None:
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
    problem = compiles(code, label)
    if problem is not None:
        replaced = []
        for index, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or _MAGIC_ASSIGNMENT.match(line) or _HELP_LINE.match(line):
                replaced.append((index, stripped))
                lines[index] = line[: len(line) - len(stripped)] + "pass"
        if replaced:
            code = "\n".join(lines)
            problem = compiles(code, label)
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
    for node in parse(code, label).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            futures.extend(alias.name for alias in node.names)
            for row in range(node.lineno - 1, (node.end_lineno or node.lineno)):
                lines[row] = "pass" if row == node.lineno - 1 else ""
    if futures:
        code = "\n".join(lines)
    return CellCode(label, code, tuple(notes), tuple(futures))


# --- reading a notebook file ---------------------------------------------------------------------


def notebook_code_cells(path: Path) -> list[CellCode]:
    """The code cells of the ``.ipynb`` file at ``path``, cleaned, in order.

    Read with the standard ``json`` module (nbformat 4), within the limits of
    the package docstring.  Cells are named ``cell 3`` (the third code cell),
    with their first line to recognise them.
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as problem:
        raise UsageError(
            f"{path} is not a readable Jupyter notebook: {problem}",
            f"{path} は読み込める Jupyter ノートブックではありません: {problem}",
        ) from None
    return notebook_cells_of(data, path)


def notebook_cells_of(data: bytes, path: Path | str) -> list[CellCode]:
    """The code cells of a notebook held in ``data`` (``path`` names it in messages); see ``notebook_code_cells``.

    ``grade batch`` reads a learner's notebook itself (never following a link)
    and hands the bytes here.
    """
    try:
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
    except (ValueError, RecursionError) as problem:  # JSON, UTF-8, a 5000-digit int
        raise UsageError(
            f"{path} is not a readable Jupyter notebook: {problem}",
            f"{path} は読み込める Jupyter ノートブックではありません: {problem}",
        ) from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise UsageError(
            f"{path} is not a Jupyter notebook in nbformat 4 (no 'cells' list); "
            "save it again from Jupyter, or grade the .py file",
            f"{path} は nbformat 4 の Jupyter ノートブックではありません('cells' のリストがありません)。"
            "Jupyter で保存し直すか、.py ファイルを採点してください",
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


def _check_json_depth(text: str, path: Path | str) -> None:
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
