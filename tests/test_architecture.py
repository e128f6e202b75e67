"""The layers import one way: what each package of grader/ may import of the others.

    cli ─▶ learner, classroom ─▶ notebook ─▶ grading ─▶ checks (by name, at run time)
                 │        │                    │ ▲
                 ▼        ▼                    ▼ │
               quiz     quiz               sandbox ◀─ checks

The sandbox knows nothing of checks or scoring, the checks nothing of the CLI,
the quizzes nothing of the sandbox.  Every ``import`` and ``from ... import``
counts, at module level and inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE = {"grader.errors", "grader.text"}

# package -> the grader packages and modules it may import (besides itself, the standard library and NumPy)
ALLOWED: dict[str, set[str]] = {
    "grader.sandbox": BASE,
    "grader.grading": BASE | {"grader.sandbox", "grader.course"},
    "grader.checks": BASE | {"grader.grading", "grader.sandbox"},
    "grader.quiz": BASE | {"grader.course", "grader.statefile"},
    "grader.notebook": BASE | {"grader.grading", "grader.sandbox", "grader.course"},
    "grader.learner": BASE | {"grader.grading", "grader.quiz", "grader.notebook", "grader.course", "grader.statefile"},
    "grader.classroom": BASE | {"grader.grading", "grader.sandbox", "grader.quiz", "grader.course", "grader.notebook"},
    "grader.course": BASE,
    "grader.statefile": set(),
    "grader.classcode": set(),  # the grading server's kept class code: the standard library only
    "grader.sourcewatch": {"grader.launch"},  # the grading server's watch of its sources: their fingerprint only
    "grader.errors": set(),
    "grader.text": set(),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    for layer in sorted(ALLOWED, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return module


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from grader.sandbox import confinement" imports a module too
            found |= {f"{node.module}.{alias.name}" for alias in node.names if node.module.startswith("grader")}
    return {name for name in found if name == "grader" or name.startswith("grader.")}


MODULES = sorted(
    path for path in (ROOT / "grader").rglob("*.py") if "templates" not in path.parts and "course" not in path.parts
)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_imports_go_one_way(path):
    module = _module_name(path)
    layer = _layer(module)
    if layer not in ALLOWED:
        pytest.skip(f"{module} is a top-level entry point (cli, __main__, grader/__init__)")
    allowed = ALLOWED[layer] | {layer}
    wrong = sorted(name for name in _imports(path) if name != "grader" and _layer(name) not in allowed)
    assert not wrong, f"{module} ({layer}) imports {wrong}; it may import {sorted(allowed)}"


def test_nothing_imports_the_cli():
    users = [
        _module_name(path)
        for path in MODULES
        # the entry points: python -m grader, the grade command's front door, the grading server
        if "grader.cli" in _imports(path)
        and _module_name(path) not in ("grader.__main__", "grader.cli", "grader.launch", "grader.daemon")
    ]
    assert users == []


def test_the_sandbox_server_imports_nothing_of_the_grader():
    # it runs in a fresh interpreter (python -I -S) where the grader's packages are out of reach
    assert _imports(ROOT / "grader" / "sandbox" / "server.py") == set()
    assert _imports(ROOT / "grader" / "sandbox" / "confinement.py") == set()
    assert _imports(ROOT / "grader" / "sandbox" / "npyfile.py") == set()
