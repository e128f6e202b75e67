"""Which learner files a graded file may import, and which of them it does import.

A file anywhere inside a workspace (``ws/drafts/ex03_try.py``, a notebook in
``ws/notebooks/``) imports earlier exercises the way a file in ``exercises/``
does: the sandbox copies the ``exNN_*.py`` files of the file's own folder
first (a learner's local ``ex01_activations.py`` wins), then those of the
workspace's ``exercises/`` (``grader.grading.engine.importable_files``).  A file
outside any workspace sees its own folder only, as before.

``grade watch`` watches the graded file and the learner files it imports.  They
are found by reading the import statements (``ast``), not by asking the
sandbox: what a run imported depends on the checks that ran (an import inside a
function), a file that does not import at all still names what it imports, and
nothing a submission sends back decides what is read on the learner's machine.
The scan follows imports through the imported files (exercise 3 imports 2,
which imports 1), and counts a module named in a string too
(``importlib.import_module("ex01_activations")``).  Only files the sandbox
would copy are ever watched: ``exNN_*.py`` regular files of the file's folder
and of the workspace's ``exercises/``; never site-packages or the grader.
"""

from __future__ import annotations

import ast
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from grader.errors import GraderError
from grader.grading.engine import importable_files
from grader.learner.workspace import find_workspace

# the sandbox's cap on a learner's file (a bigger one is not graded)
LEARNER_FILE_LIMIT_BYTES = 1024 * 1024
# what the notebook reader accepts (grader.notebook.cells); a bigger notebook can not be graded anyway
NOTEBOOK_LIMIT_BYTES = 64 * 1024 * 1024
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _workspace_above(folder: Path) -> Path | None:
    try:
        return find_workspace(folder)
    except OSError:  # a folder above that can not be searched: no workspace found through it
        return None


def workspace_of(path: Path) -> Path | None:
    """The workspace holding ``path``: the nearest folder with ``exercises/`` above the file.

    Searched from where the file really is (symbolic links resolved, as
    ``grade list`` records it), else from the path as given: a ``drafts``
    folder that links to elsewhere still belongs to the workspace it sits in.
    A workspace inside a workspace: the nearest one.
    """
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of links
        real = None
    if real is not None:
        found = _workspace_above(real.parent)
        if found is not None:
            return found
    return _workspace_above(Path(os.path.abspath(path)).parent)


def import_folders(path: Path) -> tuple[Path, ...]:
    """Folders whose ``exNN_*.py`` files ``path`` may import after its own folder's: its workspace's ``exercises/``.

    Empty outside a workspace, and for a file in ``exercises/`` itself.
    """
    workspace = workspace_of(path)
    if workspace is None:
        return ()
    exercises = workspace / "exercises"
    try:
        if exercises.resolve() == Path(path).resolve().parent or exercises == Path(os.path.abspath(path)).parent:
            return ()
    except (OSError, RuntimeError):
        return ()
    return (exercises,)


def open_regular(path: Path | str) -> tuple[int, os.stat_result] | None:
    """A descriptor of ``path`` and its stat when it is a regular file, else None; ``OSError`` if it can not be opened.

    Opened without blocking, and checked after opening: a FIFO (or a device) put
    in the file's place is never read, since it could block the watch for good.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        opened = os.fstat(descriptor)
    except OSError:
        os.close(descriptor)
        raise
    if not stat.S_ISREG(opened.st_mode):
        os.close(descriptor)
        return None
    return descriptor, opened


def _read(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file ``path``, None when it is more than ``limit`` or not a regular file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        found = open_regular(path)
        if found is None:  # replaced since the stat
            return None
        with open(found[0], "rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, ValueError):
        return None
    return data if len(data) <= limit else None


def _sources(path: Path) -> Iterator[str | bytes]:
    """The code of ``path``: a ``.py`` file's bytes, or each code cell of a notebook."""
    if path.suffix != ".ipynb":
        data = _read(path, LEARNER_FILE_LIMIT_BYTES)
        if data is not None:
            yield data
        return
    from grader.notebook.cells import notebook_code_cells

    try:
        cells = notebook_code_cells(path)
    except (GraderError, OSError, ValueError, RecursionError):
        # not a notebook the grader can read: any name in it still counts
        data = _read(path, NOTEBOOK_LIMIT_BYTES)
        if data is not None:
            yield data.decode("utf-8", errors="replace")
        return
    for cell in cells:
        if cell.code:
            yield cell.code


def imported_names(path: Path) -> set[str]:
    """Top-level module names ``path`` imports (anywhere in it), or names in its strings.

    A file that does not parse (mid-edit, say) gives every word of its text, so
    what it names is still watched.
    """
    names: set[str] = set()
    for source in _sources(path):
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            text = source.decode("utf-8", errors="replace") if isinstance(source, bytes) else source
            names.update(_WORD.findall(text))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 100:
                names.add(node.value)
    return names


def imported_files(number: int, path: Path) -> list[Path]:
    """The learner's files that ``path``, graded as exercise ``number``, imports directly or through each other.

    Each module name resolves to the file the sandbox would copy for it (the
    file's own folder first, then the workspace's ``exercises/``).  The
    exercise's own module name is the graded file itself in the sandbox, so
    it is never another file.
    """
    path = Path(path)
    candidates = importable_files(number, path, import_folders(path))
    found: list[Path] = []
    pending = [path]
    while pending:
        current = pending.pop()
        for name in sorted(imported_names(current) & candidates.keys()):
            file = candidates.pop(name)
            found.append(file)
            pending.append(file)
    return found
