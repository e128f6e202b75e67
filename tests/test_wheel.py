"""The built wheel works anywhere: installed in a fresh virtualenv it carries the stubs, quizzes, hints and data.

The editable install (``pip install -e .``) finds grader and reference in the
checkout, nothing else of it, and costs other Python processes no imports.

Offline: the wheel is built without build isolation (the setuptools at hand) and
installed without dependencies into a virtualenv that sees this environment's
site-packages (NumPy, click, ...) through a .pth file.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.grading.hints import hint_ladders
from grader.quiz.bank import load_bank, option_order
from grader.quiz.terminal import LETTERS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("build_backend", "grader", "reference", "exercises", "quizzes", "hints", "solutions")
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".pytest_cache")


def run(*command: str | Path, cwd: Path, input: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        input=input,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def quiz_answers(number: int, seed: int) -> str:
    quizzes, _ = load_bank()
    quiz = quizzes[(number, "en")]
    lines = []
    for question in quiz.questions:
        if question.kind == "numeric":
            lines.append(str(question.answer))
            continue
        order = option_order(question, seed, quiz.shuffle)
        lines.append(" ".join(LETTERS[shown] for shown, index in enumerate(order) if question.options[index].correct))
    return "".join(line + "\n" for line in lines)


def copy_sources(tmp_path: Path) -> Path:
    source = tmp_path / "source"  # a clean copy: no build/ left over from an earlier build
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in SOURCES:
        shutil.copytree(ROOT / folder, source / folder, ignore=CACHES)
    return source


def fresh_venv(tmp_path: Path) -> Path:
    """A virtualenv without pip that sees this environment's packages (offline); its python."""
    venv = tmp_path / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    # the dependencies come from this environment's site-packages (offline), listed in a .pth file:
    # --system-site-packages would give the base interpreter's, which need not hold them when this
    # suite runs in a virtual environment; folders named in a .pth file have their own .pth files
    # ignored, so this checkout's editable install stays out of sight
    (venv_site,) = (venv / "lib").glob("python3*/site-packages")
    (venv_site / "outer-environment.pth").write_text("".join(path + "\n" for path in site.getsitepackages()))
    return venv / "bin" / "python"


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="setuptools builds the wheel offline")
def test_wheel_in_a_fresh_virtualenv_inits_grades_and_quizzes(tmp_path):
    source = copy_sources(tmp_path)

    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                "-w", tmp_path / "dist", source, cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("dlgrade-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    packaged = [path for folder in ("grader", "reference") for path in (source / folder).rglob("*") if path.is_file()]
    expected = {path.relative_to(source).as_posix() for path in packaged}
    expected |= {f"grader/course/exercises/{path.name}" for path in (source / "exercises").glob("ex*.py")}
    quizzes = (source / "quizzes").glob("*/*.md")
    expected |= {f"grader/course/quizzes/{path.parent.name}/{path.name}" for path in quizzes}
    hints = list((source / "hints").glob("*/*.md"))
    assert len(hints) == 2 * len(list((source / "exercises").glob("ex*_*.py")))  # one file per exercise and language
    expected |= {f"grader/course/hints/{path.parent.name}/{path.name}" for path in hints}
    solutions = {f"grader/course/solutions/{path.name}" for path in (source / "solutions").glob("ex*_*.py")}
    assert len(solutions) == len(list((source / "exercises").glob("ex*_*.py")))  # one worked solution per exercise
    expected |= solutions
    assert not expected - names, "missing from the wheel (a package or data folder not in pyproject.toml?)"
    assert "grader/data/iris.csv" in names
    assert not any(name.startswith(("solutions/", "tests/")) for name in names)

    python = fresh_venv(tmp_path)
    venv = python.parents[1]
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q",
                    wheel, cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "GRADE_QUIZ_ROOT")}
    environment["GRADE_LANG"] = "en"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(python, "-c", "import grader, grader.course as c; print(grader.__file__); print(c.course_root())",
                cwd=elsewhere, env=environment)  # fmt: skip
    module, course = where.stdout.split()
    assert Path(module).is_relative_to(venv), "the wheel's grader, not the checkout's"
    assert Path(course).is_relative_to(venv)

    grade = venv / "bin" / "grade"
    init = run(grade, "init", "ws", cwd=elsewhere, env=environment)
    assert init.returncode == 0, init.stdout + init.stderr
    workspace = elsewhere / "ws"
    stub = ROOT / "exercises" / "ex10_train.py"
    assert (workspace / "exercises" / stub.name).read_bytes() == stub.read_bytes()
    assert (workspace / "README.md").is_file()

    shutil.copy(ROOT / "solutions" / "ex01_activations.py", workspace / "exercises" / "ex01_activations.py")
    subfolder = workspace / "notes" / "week1"
    subfolder.mkdir(parents=True)
    graded = run(grade, "exercise", "1", cwd=subfolder, env=environment)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "every check passed" in graded.stdout
    assert "grade solution 1" in graded.stdout  # the next steps after a pass

    shown = run(grade, "solution", "1", cwd=subfolder, env={**environment, "COLUMNS": "120"})
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "worked solution: ex01_activations.py" in shown.stdout
    written = run(grade, "solution", "1", "--write", cwd=subfolder, env=environment)
    assert written.returncode == 0, written.stdout + written.stderr
    assert (workspace / "solutions" / "ex01_activations.py").read_bytes() == (
        ROOT / "solutions" / "ex01_activations.py"
    ).read_bytes()

    hint = run(grade, "hint", "2", cwd=subfolder, env=environment)  # the untouched stub of exercise 2
    assert hint.returncode == 0, hint.stdout + hint.stderr
    assert "TODO  softmax:" in hint.stdout
    assert f"hint 1 of 3: {hint_ladders(2)['softmax'][0].en}\n" in hint.stdout

    quiz = run(grade, "quiz", "1", "--seed", "3", cwd=subfolder, input=quiz_answers(1, 3), env=environment)
    assert quiz.returncode == 0, quiz.stdout + quiz.stderr
    total = len(load_bank()[0][(1, "en")].questions)
    assert f"Score: {total}/{total} (100%)" in quiz.stdout
    assert list((workspace / ".grade" / "quiz-attempts").glob("01-en-*.json"))

    listing = run(grade, "list", cwd=subfolder, env=environment)
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.splitlines()
    assert next(row for row in rows if row.startswith(" 1  Activation")).endswith("passed")
    assert next(row for row in rows if row.startswith(" 2  Output layer")).endswith("not attempted")
    assert next(row for row in rows if row.startswith(" 1  Activation functions and the forward pass")).endswith(
        f"best {total}/{total}"
    )


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None, reason="setuptools builds the wheel offline")
def test_editable_install_finds_grader_and_reference_only_and_imports_nothing_at_start(tmp_path):
    source = copy_sources(tmp_path)
    python = fresh_venv(tmp_path)
    # the README's pip install -e ., offline: pyproject.toml's build backend builds the editable wheel (PEP 660)
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                    "--no-build-isolation", "-q", "-e", source, cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    (venv_site,) = (python.parents[1] / "lib").glob("python3*/site-packages")
    (pth,) = venv_site.glob("__editable__.dlgrade-*.pth")
    (finder,) = venv_site.glob("__editable___dlgrade_*_finder.py")
    assert pth.read_text() == f"import {finder.stem}; {finder.stem}.install()"
    assert f"ROOT = {str(source.resolve())!r}" in finder.read_text()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    probe = (
        "import sys; started = set(sys.modules); import grader, reference, grader.course as course; "
        "print(grader.__file__); print(reference.__file__); print(course.course_root()); print(sorted(started))"
    )
    found = run(python, "-c", probe, cwd=elsewhere, env=environment)
    assert found.returncode == 0, found.stderr
    module, reference_module, course, started = found.stdout.splitlines()
    assert Path(module) == source.resolve() / "grader" / "__init__.py"
    assert Path(reference_module) == source.resolve() / "reference" / "__init__.py"
    assert Path(course) == source.resolve()
    # setuptools' own finder imported these into every process of the environment (~20 ms of each start)
    assert not {"pathlib", "re", "urllib.parse", "importlib.util", "fnmatch"} & set(ast.literal_eval(started))

    # the checkout's other folders are not importable (no root on sys.path): not even through the mapping
    for name in ("tests", "solutions", "exercises", "build_backend", "dlgrade_build", "grader.course.solutions"):
        missing = run(python, "-c", f"import {name}", cwd=elsewhere, env=environment)
        assert "ModuleNotFoundError" in missing.stderr, name
