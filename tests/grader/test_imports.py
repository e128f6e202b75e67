"""A file anywhere inside a workspace imports the workspace's earlier exercises; watch follows those imports."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.learner import commands
from grader.learner.imports import import_folders, imported_files, imported_names, workspace_of
from grader.learner.watch import file_state, watch
from grader.sandbox.client import learner_files

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_1 = ROOT / "solutions" / "ex01_activations.py"
SOLUTION_3 = ROOT / "solutions" / "ex03_backward.py"
STUB_1 = ROOT / "exercises" / "ex01_activations.py"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``ws/exercises/`` holds the worked ex01; ``ws/drafts/ex03_try.py`` is exercise 3's solution, importing ex01."""
    ws = tmp_path / "ws"
    (ws / "exercises").mkdir(parents=True)
    (ws / "drafts").mkdir()
    shutil.copy(SOLUTION_1, ws / "exercises" / "ex01_activations.py")
    shutil.copy(STUB_1.with_name("ex03_backward.py"), ws / "exercises" / "ex03_backward.py")
    shutil.copy(SOLUTION_3, ws / "drafts" / "ex03_try.py")
    monkeypatch.chdir(ws)
    return ws


def notebook(path: Path, *cells: str) -> Path:
    document = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": cell}
            for cell in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- grading a file in a subfolder (real gradings) ---------------------------------------------------------


def test_a_file_in_a_subfolder_imports_ex01_from_the_workspace(workspace):
    graded = commands.grade(3, workspace / "drafts" / "ex03_try.py")
    assert graded.result.passed, graded.result.to_text("en")
    assert not graded.result.blockers
    assert not graded.recorded  # a draft is not exercise 3's file: shown, not recorded


def test_a_notebook_in_a_subfolder_imports_ex01_from_the_workspace(workspace):
    (workspace / "notebooks").mkdir()
    work = notebook(workspace / "notebooks" / "ex03_work.ipynb", SOLUTION_3.read_text(encoding="utf-8"))
    result = commands.grade_path(3, work)
    assert result.passed, result.to_text("en")


def test_the_files_own_folder_comes_first(workspace):
    # an old draft of ex01 beside the file wins over exercises/ex01_activations.py: here it is the stub
    shutil.copy(STUB_1, workspace / "drafts" / "ex01_activations.py")
    result = commands.grade_path(3, workspace / "drafts" / "ex03_try.py")
    assert not result.passed
    assert [blocker.exercise for blocker in result.blockers] == [1]
    assert "NotImplementedError" in result.to_text("en")


def test_outside_a_workspace_a_file_sees_its_own_folder_only(tmp_path, monkeypatch):
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy(SOLUTION_3, loose / "ex03_try.py")
    monkeypatch.chdir(loose)
    assert workspace_of(loose / "ex03_try.py") is None
    assert import_folders(loose / "ex03_try.py") == ()
    result = commands.grade_path(3, loose / "ex03_try.py")
    assert [blocker.exercise for blocker in result.blockers] == [1]
    assert "is not in your folder" in result.to_text("en")
    # with ex01 beside it, as before
    shutil.copy(SOLUTION_1, loose / "ex01_activations.py")
    assert commands.grade_path(3, loose / "ex03_try.py").passed


# --- which folders: the attacks -----------------------------------------------------------------------------


def test_a_file_in_exercises_adds_no_folder(workspace):
    assert import_folders(workspace / "exercises" / "ex03_backward.py") == ()
    assert import_folders(Path("exercises/ex03_backward.py")) == ()  # relative, from the workspace
    assert import_folders(Path("drafts/ex03_try.py")) == (workspace / "exercises",)
    assert import_folders(workspace / "ex03_at_the_top.py") == (workspace / "exercises",)


def test_the_nearest_workspace_wins(workspace):
    inner = workspace / "drafts" / "course-b"
    (inner / "exercises").mkdir(parents=True)
    (inner / "work").mkdir()
    assert import_folders(inner / "work" / "ex03_try.py") == (inner / "exercises",)
    assert import_folders(inner / "exercises" / "ex03_backward.py") == ()


def test_a_linked_folder_belongs_to_the_workspace_it_sits_in(workspace, tmp_path):
    elsewhere = tmp_path / "synced-drafts"
    elsewhere.mkdir()
    shutil.copy(SOLUTION_3, elsewhere / "ex03_try.py")
    (workspace / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert import_folders(workspace / "linked" / "ex03_try.py") == (workspace / "exercises",)
    assert commands.grade_path(3, workspace / "linked" / "ex03_try.py").passed


def test_a_loop_of_links_is_no_workspace_and_no_traceback(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert import_folders(tmp_path / "a" / "ex03_try.py") == ()


def test_a_linked_exercise_file_is_not_followed(workspace, tmp_path):
    classmate = tmp_path / "classmate_ex02.py"
    classmate.write_text("def softmax(x):\n    return x\n", encoding="utf-8")
    (workspace / "exercises" / "ex02_softmax_loss.py").symlink_to(classmate)
    found = learner_files([workspace / "drafts", workspace / "exercises"])
    assert "ex02_softmax_loss.py" not in found
    assert found["ex01_activations.py"] == workspace / "exercises" / "ex01_activations.py"


def test_the_first_folder_holding_a_name_wins(workspace):
    shutil.copy(STUB_1, workspace / "drafts" / "ex01_activations.py")
    (workspace / "drafts" / "notes.py").write_text("x = 1\n", encoding="utf-8")  # not an exercise file
    found = learner_files([workspace / "drafts", workspace / "exercises", workspace / "missing"])
    assert found["ex01_activations.py"] == workspace / "drafts" / "ex01_activations.py"
    assert found["ex03_backward.py"] == workspace / "exercises" / "ex03_backward.py"
    assert "notes.py" not in found
    skipped = learner_files([workspace / "drafts"], skip=workspace / "drafts" / "ex03_try.py")
    assert "ex03_try.py" not in skipped


# --- the files a file imports (what watch watches) ------------------------------------------------------------


def test_imports_are_followed_through_the_files_imported(workspace):
    exercises = workspace / "exercises"
    (exercises / "ex01_activations.py").write_text(
        SOLUTION_1.read_text(encoding="utf-8") + "\nfrom ex00_helpers import twice\n", encoding="utf-8"
    )
    (exercises / "ex00_helpers.py").write_text("def twice(x):\n    return 2 * x\n", encoding="utf-8")
    (exercises / "ex05_im2col.py").write_text("x = 1\n", encoding="utf-8")  # not imported: not watched
    found = imported_files(3, workspace / "drafts" / "ex03_try.py")
    assert found == [exercises / "ex01_activations.py", exercises / "ex00_helpers.py"]


def test_the_graded_exercises_own_name_and_outside_modules_are_never_watched(workspace):
    draft = workspace / "drafts" / "ex03_try.py"
    draft.write_text("import numpy\nimport grader\nimport ex03_backward\nimport os.path\n", encoding="utf-8")
    assert imported_files(3, draft) == []  # ex03_backward is the graded file itself in the sandbox


def test_imports_inside_functions_strings_and_unparsable_files_count(workspace):
    draft = workspace / "drafts" / "ex03_try.py"
    draft.write_text("def f():\n    from ex01_activations import sigmoid\n", encoding="utf-8")
    assert imported_files(3, draft) == [workspace / "exercises" / "ex01_activations.py"]
    draft.write_text("import importlib\nm = importlib.import_module('ex01_activations')\n", encoding="utf-8")
    assert imported_files(3, draft) == [workspace / "exercises" / "ex01_activations.py"]
    draft.write_text("from ex01_activations import (sigmoid\ndef broken(:\n", encoding="utf-8")  # mid-edit
    assert imported_files(3, draft) == [workspace / "exercises" / "ex01_activations.py"]
    draft.write_bytes(b"\x00\xff" * 10)
    assert imported_files(3, draft) == []


def test_a_notebooks_imports_and_a_broken_notebook(workspace):
    (workspace / "notebooks").mkdir()
    work = notebook(workspace / "notebooks" / "work.ipynb", "%matplotlib inline", "from ex01_activations import relu")
    assert imported_files(3, work) == [workspace / "exercises" / "ex01_activations.py"]
    broken = workspace / "notebooks" / "broken.ipynb"
    broken.write_text('{"cells": [ {"source": "import ex01_activations"', encoding="utf-8")
    assert "ex01_activations" in imported_names(broken)  # not valid JSON: every name in it counts
    assert imported_files(3, workspace / "notebooks" / "missing.ipynb") == []


# --- watch -------------------------------------------------------------------------------------------------


def test_watch_grades_again_when_an_imported_file_changes(tmp_path):
    main = tmp_path / "ex03_try.py"
    helper = tmp_path / "ex01_activations.py"
    main.write_text("import ex01_activations\n", encoding="utf-8")
    helper.write_text("a", encoding="utf-8")
    gradings: list[int] = []
    edits = iter([lambda: None, lambda: helper.write_text("ab", encoding="utf-8")])

    def fake_sleep(seconds: float) -> None:
        next(edits, lambda: None)()

    def grade():
        gradings.append(len(gradings))
        return None

    runs = watch(main, grade, lambda *_: None, interval=0.0, max_runs=2, sleep=fake_sleep, imports=lambda: [helper])
    assert runs == 2
    assert gradings == [0, 1]


def save(target: Path, text: str) -> None:
    before = file_state(target)
    target.write_text(text, encoding="utf-8")
    if file_state(target) == before:  # same size within the clock's resolution: make the save visible
        os.utime(target, ns=(time.time_ns(), before[0] + 1_000_000))


def test_grade_watch_regrades_exercise_3_when_ex01_is_saved(workspace):
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", "3", "--file", "drafts/ex03_try.py"]
        + ["--lang", "en", "--interval", "0.05", "--max-runs", "2"],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    def until(marker: str) -> str:
        got: list[str] = []
        deadline = time.monotonic() + 60
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {marker!r} within 60 s; printed:\n{''.join(got)}")
            if line is None:
                pytest.fail(f"grade watch ended before {marker!r}; printed:\n{''.join(got)}")
            got.append(line)
            if marker in line:
                return "".join(got)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        first = until("Also watching")
        assert "every check passed" in first, first
        assert "Watching drafts/ex03_try.py" in first
        assert "Also watching what it imports: exercises/ex01_activations.py" in first
        ex01 = workspace / "exercises" / "ex01_activations.py"
        save(ex01, SOLUTION_1.read_text(encoding="utf-8") + "\n\ndef sigmoid(x):\n    raise ValueError('not yet')\n")
        second = until("Score")
        assert "graded again:" in second
        assert "newly failing:" in second
        assert "ex01_activations.py" in second  # the failure is exercise 1's, and said so
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
