"""One module from many pieces: a try block per cell, a record of the cells that failed."""

from __future__ import annotations

import json
from pathlib import Path

from grader.notebook.module import Chunk, build_module
from grader.text import plain


def run_module(tmp_path: Path, module) -> dict:
    """Run a generated module as the sandbox would import it (this is the test's own code)."""
    path = tmp_path / "ex01_activations.py"
    path.write_text(module.text, encoding="utf-8")
    namespace = {"__name__": "ex01_activations", "__file__": str(path)}
    exec(compile(module.text, str(path), "exec"), namespace)
    return namespace


def test_failing_cell_is_recorded_and_later_cells_still_run(tmp_path):
    chunks = [
        Chunk(plain("cell 1"), "a = 1"),
        Chunk(plain("cell 2"), "b = 2\nc = undefined + 1\nd = 4"),
        Chunk(plain("cell 3"), "import sys\nsys.exit(3)"),
        Chunk(plain("cell 4"), "e = a + b"),
    ]
    module = build_module(chunks)
    namespace = run_module(tmp_path, module)
    assert namespace["e"] == 3
    assert "d" not in namespace
    first, second = namespace["_GRADE_FAILURES"]
    assert (first["chunk"], second["chunk"]) == (1, 2)
    assert first["error"] == "NameError: name 'undefined' is not defined"
    assert module.locate(first["lines"][0]) == (plain("cell 2"), 2)
    assert second["error"].startswith("SystemExit")
    report = namespace["_grade_report"]()
    assert json.loads(report.tobytes()) == namespace["_GRADE_FAILURES"]


def test_multiline_strings_and_mixed_indentation_survive_the_try_block(tmp_path):
    code = 's = """\nfirst\n    second\n"""\nif True:\n\tt = 1\nu = (1,\n  2)\n'
    module = build_module([Chunk(plain("cell 1"), code)])
    namespace = run_module(tmp_path, module)
    assert namespace["s"] == "\nfirst\n    second\n"
    assert (namespace["t"], namespace["u"]) == (1, (1, 2))
    assert namespace["_GRADE_FAILURES"] == []
