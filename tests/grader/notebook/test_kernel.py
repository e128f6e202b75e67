"""``check(N)`` in a kernel: the result shown as a table, and a real Jupyter kernel (via nbclient)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from notebooks import ROOT, SOLUTION_1

from grader import classcode
from grader.grading.engine import EXERCISES
from grader.grading.feedback import render_text
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.notebook.cells import MAX_CODE_DEPTH
from grader.notebook.kernel import NotebookResult, render_html
from grader.text import Text, plain

# --- showing the result -----------------------------------------------------------------------------------


def sample_result(name: str = "relu: max(0, x) <script>alert(1)</script>") -> ExerciseResult:
    return ExerciseResult(
        EXERCISES[1],
        Path("this notebook"),
        (
            CheckResult(
                name,
                "relu ja",
                Status.FAILED,
                0.0,
                1.0,
                lines=(plain("expected <b>1</b>, got 2"),),
                hint=plain("a & b"),
            ),
            CheckResult("sigmoid: ok", "sigmoid ja", Status.PASSED, 1.0, 1.0),
            CheckResult(
                "forward: todo", "forward ja", Status.NOT_ATTEMPTED, 0.0, 1.0, context=Text("x (2,)", "x (2,)")
            ),
        ),
        extra={"notes": (plain("cell 3 raised <NameError>"),)},
    )


def test_html_escapes_everything_and_does_not_rely_on_colour():
    page = render_html(sample_result(), "en")
    assert "<script>" not in page
    assert "<b>" not in page
    for escaped in ("&lt;script&gt;", "&lt;b&gt;1&lt;/b&gt;", "a &amp; b"):
        assert escaped in page
    assert "&lt;NameError&gt;" in page
    assert page.count("<tr") == 4
    for word in ("FAIL", "PASS", "TODO"):
        assert word in page


def test_text_report_has_the_notes_and_json_round_trips():
    result = sample_result()
    shown = NotebookResult(result, "en")
    assert str(shown) == repr(shown) == render_text(result, "en").replace("grade exercise 1", "check(1)")
    assert "re-run: check(1)" in str(shown)
    assert "note: cell 3 raised <NameError>" in str(shown)
    assert shown.to_json()["notes"] == ["cell 3 raised <NameError>"]
    again = ExerciseResult.from_data(json.loads(json.dumps(result.to_data())))
    assert again == result


def test_import_grader_stays_light_and_check_is_exported():
    code = (
        "import sys, grader\n"
        "assert 'grader.notebook' not in sys.modules\n"
        "from grader import check\n"
        "assert callable(check) and 'numpy' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_check_grades_in_a_process_started_as_a_grade_command_s_and_leaves_nothing_behind(tmp_path):
    """Its sandbox server started before the grader loads, and the grader's classes run their kept code."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    script = tmp_path / "mine.py"  # check() outside a kernel reads the running script's file
    script.write_text(
        SOLUTION_1 + "\n\nif __name__ == '__main__':\n    from grader import check\n\n"
        "    print('PASSED', check(1, lang='en').passed)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADE_TMPDIR": str(scratch), "XDG_RUNTIME_DIR": str(runtime)}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "PASSED True" in done.stdout
        assert list(scratch.iterdir()) == []  # the sandbox server's folder went with its grading
    kept = runtime / "dlgrade" / classcode.file_name()
    assert len(classcode._read(str(kept))) > 100  # saved by the first grading process, run by the second


# --- check(N) in a real kernel ------------------------------------------------------------------------------


KERNEL_CELLS = [
    "import numpy as np",
    # a step_function that is right, and helpers it needs from other cells
    "THRESHOLD = 0\n\ndef step_function(x):\n    return np.array(np.asarray(x) > THRESHOLD, dtype=np.int64)",
    "def relu(x):\n    x[x < 0] = 0  # buggy: changes the caller's array\n    return x",
    # hostile: patch NumPy in the kernel, so that a grader running here would compare with liars
    "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
    "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)\n"
    "np.testing.assert_allclose = lambda *a, **k: None",
    # hostile: end the process, loop forever
    "import os\n\ndef identity_function(x):\n    os._exit(0)\n\ndef sigmoid(x):\n    while True:\n        pass",
    "def forward(network, x):\n    raise ValueError('not yet')",
    "%%time\nbig = np.ones((500, 500)) @ np.ones((500, 500))  # not needed by any definition",
    "from grader import check\n"
    "result = check(1, lang='en', timeout=1)\n"
    "print('SUMMARY', json.dumps([[c.target, c.status] for c in result.results]))\n"
    "print('SCORE', result.score, result.max_score, result.passed)\n"
    "print('TEXT', str(result).splitlines()[0])",
    "result",
    # the kernel is still there, and defining the right functions makes check pass
    SOLUTION_1.replace("from __future__ import annotations", ""),
    "again = check(1, lang='en')\nprint('AGAIN', again.passed, again.score, again.max_score)",
]


@pytest.fixture
def kernel_name(tmp_path, monkeypatch):
    """A kernelspec that starts this very Python (with the project importable)."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    spec_dir = tmp_path / "jupyter" / "kernels" / "dlgrade-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dlgrade test",
        "language": "python",
        "env": {"PYTHONPATH": str(ROOT)},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # the kernel's history database stays here
    return "dlgrade-test"


def run_in_kernel(tmp_path: Path, kernel_name: str, sources: list[str]):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import json")] + [nbformat.v4.new_code_cell(s) for s in sources]
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(
        notebook, kernel_name=kernel_name, timeout=120, allow_errors=True, resources={"metadata": {"path": str(work)}}
    )
    setup = client.setup_kernel()
    try:
        setup.__enter__()
    except Exception as problem:  # noqa: BLE001 - any failure to start is the machine's, not the test's
        pytest.skip(f"an IPython kernel can not start here: {type(problem).__name__}: {problem}")
    try:
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    finally:
        setup.__exit__(None, None, None)
    return notebook


def printed(notebook) -> str:
    return "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.outputs if output.output_type == "stream"
    )


def test_check_in_a_real_kernel_grades_the_cells_definitions_in_the_sandbox(tmp_path, kernel_name):
    notebook = run_in_kernel(tmp_path, kernel_name, KERNEL_CELLS)
    errors = [output for cell in notebook.cells for output in cell.outputs if output.output_type == "error"]
    assert errors == [], errors
    out = printed(notebook)
    statuses: dict[str, set] = {}
    for target, status in json.loads(out.split("SUMMARY ", 1)[1].splitlines()[0]):
        statuses.setdefault(target, set()).add(status)
    assert statuses == {
        "step_function": {Status.PASSED},
        "relu": {Status.FAILED},  # in place, and NumPy patched in the kernel changed nothing
        "identity_function": {Status.FAILED},  # os._exit: only its own check
        "sigmoid": {Status.FAILED},  # endless loop: stopped after 1 s
        "forward": {Status.FAILED},
    }
    assert "SCORE 3.0 9.0 False" in out
    assert "TEXT Exercise 1: Activation functions and a forward pass" in out
    # the result shows as a table in Jupyter
    (shown,) = [output for output in notebook.cells[9].outputs if output.output_type == "execute_result"]
    page = shown["data"]["text/html"]
    for said in ("<table", "FAIL", "did not finish within 1 s"):
        assert said in page
    assert "your code ended the process" in page
    assert "In [7], line 2, in forward" in page  # the learner's traceback names the cell
    assert "graded your definitions of step_function (In [3])" in page
    assert shown["data"]["text/plain"].startswith("Exercise 1:")
    # the kernel survived all of it, and check() sees the newer definitions
    assert "AGAIN True 9.0 9.0" in out


def test_check_in_a_kernel_with_a_cell_too_deep_shows_a_message_not_a_traceback(tmp_path, kernel_name):
    sources = [
        SOLUTION_1.replace("from __future__ import annotations", ""),
        "x = " + "- " * 200_000 + "1",  # fails in the kernel too, and stays in its history
        "from grader import check\ncheck(1, lang='en')",
        "print('kernel still here')",
    ]
    notebook = run_in_kernel(tmp_path, kernel_name, sources)
    (error,) = [output for output in notebook.cells[3].outputs if output.output_type == "error"]
    assert error["ename"] == "InputLimitError"
    assert error["traceback"] == [
        f"grade: In [3] nests its code more than {MAX_CODE_DEPTH} levels deep (an expression like - - - ... 1), "
        "too deep to be read: simplify it (in a running kernel, restart it afterwards: check reads every cell the "
        "kernel ran)",
        f"grade: In [3] のコードは {MAX_CODE_DEPTH} 段より深く入れ子になっていて(- - - ... 1 のような式)読めません。"
        "簡単にしてください(実行中のカーネルでは、その後カーネルを再起動してください。check は実行した"
        "すべてのセルを読みます)",
    ]
    assert "kernel still here" in printed(notebook)
