"""The folder that gets graded: the exercise's module, earlier exercises, the learner's own files.

``prepare_notebook_file`` writes every code cell of a notebook file;
``prepare_kernel`` writes only the definitions collected from a kernel.  Both
return the metadata ``grade_folder`` needs.
"""

from __future__ import annotations

import ast
import shutil
import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from grader.course import contract_names
from grader.grading.engine import EXERCISES, get_exercise
from grader.notebook.cells import CellCode, notebook_code_cells
from grader.notebook.collect import Collection, collect_definitions
from grader.notebook.module import Chunk, GeneratedModule, build_module
from grader.sandbox.client import learner_files
from grader.text import Text


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
        collection = collect_definitions(cells, contract_names(earlier), namespace, hidden, module)
        if not _defines(collection):
            continue
        generated = build_module(collection.chunks, collection.futures, origin)
        _write_module(folder, module, generated, spans)
        notes += collection.notes + list(generated.notes)
    return notes


def _copy_exercise_files(source: Path, folder: Path, skip: str, import_folders: Sequence[Path] = ()) -> None:
    """The learner's ``exNN_*.py`` files beside the notebook, then in ``import_folders``, as the sandbox finds them."""
    for name, path in learner_files([source, *import_folders]).items():
        if name != f"{skip}.py":
            try:
                shutil.copyfile(path, folder / name)
            except OSError:
                continue  # unreadable: the notebook's import of it fails in the sandbox and says so


def _imports_the_grader(code: str) -> bool:
    """Whether a cell imports ``grader`` at its top level (``from grader import check``)."""
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "grader" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "grader":
            return True
    return False


def prepare_notebook_file(number: int, notebook: Path, folder: Path, import_folders: Sequence[Path] = ()) -> dict:
    """Write the module of exercise ``number`` built from every code cell of ``notebook`` into ``folder``.

    The ``exNN_*.py`` files beside the notebook, then those of ``import_folders``
    (a workspace's ``exercises/``), are copied too.  Returns the metadata
    ``grade_folder`` needs (where each cell's lines went, notes).
    """
    exercise = get_exercise(number)
    cells = notebook_code_cells(notebook)
    notes = [note for cell in cells for note in cell.notes]
    spans: dict[str, list] = {}
    _copy_exercise_files(notebook.resolve().parent, folder, exercise.module, import_folders)
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
    written (see the package docstring); no learner code runs here.
    """
    exercise = get_exercise(number)
    spans: dict[str, list] = {}
    if cwd is not None:
        _copy_exercise_files(cwd, folder, exercise.module)
    notes = _write_earlier_exercises(number, folder, cells, spans, namespace, hidden, shown_as)
    collection = collect_definitions(cells, contract_names(number), namespace, hidden, exercise.module)
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
