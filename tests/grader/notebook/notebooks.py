"""Notebooks and cells the tests of grader.notebook build, and the worked solutions they grade."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from grader.notebook.cells import clean_cell
from grader.text import plain

ROOT = Path(__file__).resolve().parents[3]
SOLUTION_1 = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
SOLUTION_3 = (ROOT / "solutions" / "ex03_backward.py").read_text(encoding="utf-8")


def cells_of(*sources: str, prefix: str = "In") -> list:
    return [clean_cell(textwrap.dedent(source), plain(f"{prefix} [{n}]")) for n, source in enumerate(sources, 1)]


def write_notebook(path: Path, *sources: str) -> Path:
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source.splitlines(True)}
        for source in sources
    ]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": ["# Exercise\n", "notes"]})
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}), "utf-8")
    return path


def raw_notebook(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def deep_json_notebook(path: Path, depth: int = 100_000) -> Path:
    return raw_notebook(path, '{"nbformat": 4, "cells": [], "metadata": ' + "[" * depth + "]" * depth + "}")
