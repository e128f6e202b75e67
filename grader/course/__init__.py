"""Where the course material is: the exercise stubs, the confirmation-test quizzes, the hints and the solutions.

In a checkout (and an editable install) they are the project's top-level
``exercises/``, ``quizzes/``, ``hints/`` and ``solutions/`` folders.  A built
wheel carries the same files inside this package, as
``grader/course/exercises/``, ``grader/course/quizzes/{en,ja}/``,
``grader/course/hints/{en,ja}/`` and ``grader/course/solutions/``
(``[tool.setuptools.package-dir]`` in pyproject.toml maps the folders there), so
``grade init``, ``grade quiz``, ``grade hint`` and ``grade solution`` work
wherever the wheel is installed.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from grader.errors import GraderError

STUB_NAME = re.compile(r"^ex(?P<number>\d\d)_\w+\.py$")
_PACKAGE = Path(__file__).resolve().parent


def course_root() -> Path:
    """The folder that holds ``exercises/`` and ``quizzes/``.

    Returns
    -------
    Path
        ``grader/course/`` of an installed wheel, else the checkout's root.

    Raises
    ------
    GraderError
        When neither has the material (a broken installation).
    """
    for folder in (_PACKAGE, _PACKAGE.parents[1]):
        if (folder / "exercises").is_dir() and (folder / "quizzes").is_dir():
            return folder
    raise GraderError(
        f"the course material (exercises/ and quizzes/) is missing from {_PACKAGE} and {_PACKAGE.parents[1]}; "
        "reinstall the grader: pip install --force-reinstall dlgrade"
    )


def stubs_root() -> Path:
    """The folder of the exercise stubs ``exNN_<topic>.py``."""
    return course_root() / "exercises"


def stub_paths() -> dict[int, Path]:
    """Exercise number -> its stub file, for every stub of the course."""
    found: dict[int, Path] = {}
    for path in sorted(stubs_root().glob("ex*_*.py")):
        named = STUB_NAME.match(path.name)
        if named:
            found[int(named.group("number"))] = path
    return found


def stub_path(number: int) -> Path:
    """The stub of exercise ``number`` (a ``GraderError`` when the course has none)."""
    stubs = stub_paths()
    if number not in stubs:
        raise GraderError(f"the course has no stub for exercise {number}; the stubs are {sorted(stubs)}")
    return stubs[number]


@cache
def contract_names(number: int) -> tuple[str, ...]:
    """The functions and classes exercise ``number`` asks for: its stub's public top-level definitions.

    Raises
    ------
    GraderError
        When the course has no stub for exercise ``number``, or the stub does not parse.
    """
    path = stub_path(number)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as problem:
        raise GraderError(f"the stub {path} can not be read ({problem}); reinstall the grader") from None
    return tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    )


def quizzes_root() -> Path:
    """The folder holding the quizzes, ``en/`` and ``ja/``."""
    return course_root() / "quizzes"


def hints_root() -> Path:
    """The folder holding the hint ladders, ``en/`` and ``ja/`` (see ``hints/README.md``)."""
    return course_root() / "hints"


def solution_path(number: int) -> Path:
    """The worked solution of exercise ``number``, ``solutions/exNN_<topic>.py`` (a ``GraderError`` when missing)."""
    found = sorted((course_root() / "solutions").glob(f"ex{number:02d}_*.py"))
    if not found:
        raise GraderError(
            f"the worked solution of exercise {number} is missing from {course_root() / 'solutions'}; "
            "reinstall the grader: pip install --force-reinstall dlgrade",
            f"課題 {number} の模範解答が {course_root() / 'solutions'} にありません。"
            "grader を再インストールしてください: pip install --force-reinstall dlgrade",
        )
    return found[0]
