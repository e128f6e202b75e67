"""The folder that gets graded: the exercise's module and the earlier exercises the kernel defines."""

from __future__ import annotations

from notebooks import SOLUTION_1, SOLUTION_3, cells_of

from grader.course import contract_names
from grader.grading.engine import EXERCISES
from grader.notebook.folder import prepare_kernel


def test_earlier_exercises_defined_in_the_kernel_become_their_own_files(tmp_path):
    cells = cells_of(SOLUTION_1, "x = 1", SOLUTION_3.replace("from ex01_activations import sigmoid", ""))
    namespace: dict = {"__name__": "__main__"}
    for cell in cells:
        exec(compile(cell.code, f"/nonexistent/{cell.label.en}.py", "exec"), namespace)
    folder = tmp_path / "graded"
    folder.mkdir()
    meta = prepare_kernel(3, folder, cells, namespace)
    assert sorted(path.name for path in folder.iterdir()) == ["ex01_activations.py", "ex03_backward.py"]
    assert meta["notes"][0][0].startswith("graded your definitions of d_sigmoid (In [3])")
    assert "def backward" in (folder / "ex03_backward.py").read_text()
    assert "x = 1" not in (folder / "ex03_backward.py").read_text()


def test_contract_names_are_what_the_checks_call():
    """The names a notebook's definitions are collected for (the stub's) are the names the probes look up."""
    for number, exercise in EXERCISES.items():
        called = set()
        for check in exercise.build_checks():
            for step in check.probe.steps:
                if step["op"] in ("call", "new") and isinstance(step.get("target"), str):
                    called.add(step["target"])
        assert called == set(contract_names(number)), number
