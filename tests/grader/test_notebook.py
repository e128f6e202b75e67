"""Notebooks: cells to a module, definitions collected from a kernel, check(N) in a real kernel."""

from __future__ import annotations

import json
import linecache
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import InputLimitError, UsageError
from grader.grading.engine import EXERCISES
from grader.grading.feedback import render_text
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.notebook import (
    CONTRACT_NAMES,
    MAX_CODE_DEPTH,
    MAX_NOTEBOOK_CODE_CHARS,
    MAX_SOURCE_CHARS,
    Chunk,
    NotebookResult,
    build_module,
    clean_cell,
    collect_definitions,
    notebook_code_cells,
    prepare_kernel,
    render_html,
)
from grader.text import Text, plain

ROOT = Path(__file__).resolve().parents[2]
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


# --- cells to plain Python -----------------------------------------------------------------------


def test_plain_python_cell_is_kept_as_it_is():
    source = "x = (5\n     % 3)\nprint('%d' % x)\n"
    cell = clean_cell(source, plain("cell 1"))
    assert cell.code == source
    assert cell.notes == ()


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("%matplotlib inline", "IPython magic"),
        ("%timeit relu(x)", "IPython magic"),
        ("!pip install numpy", "shell command"),
        ("files = !ls", "shell command"),
        ("t = %time relu(x)", "IPython magic"),
        ("relu?", "IPython magic"),
    ],
    ids=["line-magic", "timeit", "shell", "shell-assignment", "magic-assignment", "help"],
)
def test_magic_and_shell_lines_become_pass_with_a_note(line, kind):
    cell = clean_cell(f"import numpy as np\n{line}\ndef relu(x):\n    return np.maximum(0, x)\n", plain("cell 2"))
    assert cell.code is not None
    assert cell.code.split("\n")[1] == "pass"  # line numbers stay those of the cell
    assert len(cell.code.split("\n")) == 5
    (note,) = cell.notes
    assert f"cell 2, line 2: left out the {kind} `{line}`" == note.en


def test_indented_magic_keeps_the_block_valid():
    cell = clean_cell("for i in range(2):\n    %time relu(i)\n", plain("cell 1"))
    assert cell.code == "for i in range(2):\n    pass\n"


def test_non_python_cell_magic_leaves_the_cell_out():
    cell = clean_cell("%%bash\necho hi\n", plain("cell 4"))
    assert cell.code is None
    assert "%%bash" in cell.notes[0].en


def test_time_cell_magic_keeps_its_body():
    cell = clean_cell("%%time\ndef relu(x):\n    return x\n", plain("cell 4"))
    assert cell.code == "\ndef relu(x):\n    return x\n"
    assert "without the magic" in cell.notes[0].en


def test_syntax_error_leaves_the_cell_out_and_says_where():
    cell = clean_cell("x = 1\ndef broken(:\n    pass\n", plain("cell 6"))
    assert cell.code is None
    assert "cell 6 was left out: syntax error, line 2" in cell.notes[0].en


def test_top_level_await_is_a_syntax_error_outside_a_notebook():
    assert clean_cell("await something()\n", plain("cell 1")).code is None


def test_future_import_goes_to_the_top_of_the_module():
    cell = clean_cell("from __future__ import annotations\ndef f(x: Undefined) -> None:\n    pass\n", plain("c"))
    assert cell.futures == ("annotations",)
    assert cell.code.startswith("pass\n")
    module = build_module([Chunk(cell.label, cell.code)], cell.futures)
    assert "from __future__ import annotations" in module.text
    compile(module.text, "m.py", "exec")


# --- one module, a try block per cell ------------------------------------------------------------------


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


def test_notebook_code_cells_reads_nbformat_json(tmp_path):
    notebook = write_notebook(tmp_path / "work.ipynb", "import numpy as np\n%matplotlib inline", "x = 1")
    cells = notebook_code_cells(notebook)
    assert [cell.label.en for cell in cells] == ["cell 1 (`import numpy as np`)", "cell 2 (`x = 1`)"]
    assert cells[0].code == "import numpy as np\npass"
    assert cells[1].label.ja == "セル 2 (`x = 1`)"


@pytest.mark.parametrize("content", ["not json", '{"worksheets": []}', "[1, 2]"], ids=["text", "nbformat3", "list"])
def test_a_file_that_is_not_a_notebook_is_a_usage_error(tmp_path, content):
    path = tmp_path / "work.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match="notebook"):
        notebook_code_cells(path)


# --- collecting definitions ---------------------------------------------------------------------------


def chunk_codes(collection) -> list[str]:
    return [chunk.code for chunk in collection.chunks]


def test_collects_the_latest_definition_and_what_it_uses_only():
    cells = cells_of(
        "import numpy as np\nimport os",
        "EPS = 1e-7\nunused = 3",
        "def relu(x):\n    return x",
        "params = train_for_an_hour()  # a heavy cell",
        "def _shift(x):\n    return x - np.max(x, axis=-1, keepdims=True)\n",
        "def relu(x):\n    params = np.maximum(0, x)  # a local of the same name\n    return params + EPS * 0",
        "def softmax(x):\n    e = np.exp(_shift(x))\n    return e / e.sum(axis=-1, keepdims=True)",
        "print(relu(np.arange(3)))",
    )
    collection = collect_definitions(cells, ["relu", "softmax"])
    assert chunk_codes(collection) == [
        "import numpy as np",
        "EPS = 1e-7",
        "def _shift(x):\n    return x - np.max(x, axis=-1, keepdims=True)",
        "def relu(x):\n    params = np.maximum(0, x)  # a local of the same name\n    return params + EPS * 0",
        "def softmax(x):\n    e = np.exp(_shift(x))\n    return e / e.sum(axis=-1, keepdims=True)",
    ]
    assert collection.found == {"relu": plain("In [6]"), "softmax": plain("In [7]")}
    assert [chunk.first_line for chunk in collection.chunks] == [1, 1, 1, 1, 1]
    assert collection.notes == []


def test_a_value_used_while_defining_comes_from_before_the_definition():
    cells = cells_of("scale = 2", "def double(x, k=scale):\n    return k * x * factor", "scale = 10\nfactor = 1")
    collection = collect_definitions(cells, ["double"])
    # the default was 2 when double was defined; factor is read when double runs (scale = 10 is not needed)
    assert chunk_codes(collection) == ["scale = 2", "def double(x, k=scale):\n    return k * x * factor", "factor = 1"]
    assert collection.chunks[2].label == plain("In [3]")


def test_class_bodies_bases_and_decorators_are_collected():
    cells = cells_of(
        "import functools",
        "class Layer:\n    pass",
        "SIZE = 3",
        "class Relu(Layer):\n    width = SIZE\n    @functools.cache\n    def forward(self, x):\n        return x",
    )
    collection = collect_definitions(cells, ["Relu"])
    assert [chunk.label.en for chunk in collection.chunks] == ["In [1]", "In [2]", "In [3]", "In [4]"]


def test_statements_sharing_a_line_are_taken_apart():
    cells = cells_of("import numpy as np; print('hi'); x = np.zeros(3)\ndef f():\n    return x")
    assert chunk_codes(collect_definitions(cells, ["f"])) == [
        "import numpy as np",
        "x = np.zeros(3)",
        "def f():\n    return x",
    ]


def test_undefined_and_ipython_only_names_are_noted():
    cells = cells_of("def relu(x):\n    display(x)\n    return missing_helper(x)")
    notes = [note.en for note in collect_definitions(cells, ["relu"]).notes]
    assert notes == [
        "`relu` uses `display`, which exists only in IPython and Jupyter: it fails when graded",
        "`relu` uses `missing_helper`, which no cell of the notebook defines: it fails where it is used",
    ]


def kernel_namespace(*cells: tuple[str, str]) -> dict:
    """Run cells as IPython does: each one's source kept in linecache under a file that does not exist."""
    namespace: dict = {"__name__": "__main__"}
    for name, source in cells:
        filename = f"/nonexistent/ipykernel_0/{name}.py"
        lines = source.splitlines(True)
        linecache.cache[filename] = (len(source), None, lines, filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_live_function_wins_over_a_redefinition_that_failed():
    good = "def relu(x):\n    return x * (x > 0)\n"
    broken = "def relu(x, k=undefined_default):\n    return x\n"
    namespace = kernel_namespace(("a", good))
    with pytest.raises(NameError):
        kernel_namespace(("b", broken))  # in the kernel this cell raised; relu stayed the first one
    collection = collect_definitions(cells_of(good, broken), ["relu"], namespace)
    assert chunk_codes(collection) == [good.strip()]
    assert collection.found == {"relu": plain("In [1]")}


def test_a_class_defined_in_a_cell_is_found_from_its_methods():
    source = (
        "class Relu:\n    def forward(self, x):\n        return x\n\n    def backward(self, dout):\n        return dout"
    )
    namespace = kernel_namespace(("c", "import numpy as np\n\n" + source))
    collection = collect_definitions(cells_of("x = 1", "import numpy as np\n\n" + source), ["Relu"], namespace)
    assert chunk_codes(collection) == [source.strip()]
    assert collection.chunks[0].first_line == 3


def test_definitions_made_outside_the_history_come_from_their_source():
    # %run helper.py defines functions that no cell of the history holds
    namespace = kernel_namespace(("helper", "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"))
    namespace["np"] = types.ModuleType("numpy")
    collection = collect_definitions([], ["sigmoid"], namespace)
    assert chunk_codes(collection) == ["import numpy as np", "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))"]


def test_a_name_the_kernel_no_longer_has_is_not_graded():
    collection = collect_definitions(cells_of("def relu(x):\n    return x", "del relu"), ["relu"], {})
    assert collection.chunks == []


def test_source_that_can_not_be_found_is_noted():
    namespace: dict = {"__name__": "__main__"}
    exec("def relu(x):\n    return x\n", namespace)
    notes = collect_definitions([], ["relu"], namespace).notes
    assert "its source could not be found" in notes[0].en


def test_a_definition_imported_from_the_exercise_file_says_so():
    namespace: dict = {"__name__": "ex03_backward"}
    exec("def backward(network, x, d, z1, y):\n    return {}\n", namespace)
    cells = cells_of("from ex03_backward import backward")
    collection = collect_definitions(cells, ["backward"], namespace, module="ex03_backward")
    assert collection.chunks == []
    assert "`backward` comes from your file ex03_backward.py, not from a cell" in collection.notes[0].en


def test_learner_objects_are_not_asked_anything_while_collecting():
    class Trap:
        def __getattr__(self, name):
            raise AssertionError(f"learner code ran in the kernel ({name})")

        @property
        def __class__(self):
            raise AssertionError("learner code ran in the kernel (__class__)")

    source = "def relu(x):\n    return x + trap.offset + other.offset\n"
    namespace = kernel_namespace(("t", source))
    namespace["trap"] = namespace["other"] = Trap()
    collection = collect_definitions(cells_of("trap = make_trap()", source), ["relu"], namespace)
    assert chunk_codes(collection) == ["trap = make_trap()", source.strip()]
    assert [note.en.split(",")[0] for note in collection.notes] == [
        "`trap` uses `make_trap`",
        "`relu` uses `other`",
    ]


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
    for number, exercise in EXERCISES.items():
        called = []
        for check in exercise.build_checks():
            for step in check.probe.steps:
                if step["op"] in ("call", "new") and step["target"] not in called:
                    called.append(step["target"])
        assert tuple(called) == CONTRACT_NAMES[number], number


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


# --- grade exercise N --file work.ipynb ------------------------------------------------------------------


def grade(*args: str):
    return CliRunner().invoke(main, list(args))


def test_notebook_file_with_a_failing_cell_and_magics(tmp_path):
    notebook = write_notebook(
        tmp_path / "work.ipynb",
        "%matplotlib inline\nimport numpy as np\n!pip install nothing",
        SOLUTION_1,
        "print('trying')\ny = not_defined_yet + 1",
        "def relu(x):\n    x[x < 0] = 0\n    return x",
        "def identity_function(x):\n    raise ValueError('not today')",
        "%%bash\necho hello",
        "from grader import check\ncheck(1)",
    )
    result = grade("exercise", "1", "--file", str(notebook), "--lang", "en")
    assert result.exit_code == 1, result.output
    out = result.output
    assert str(notebook) in out
    assert "note: cell 1 (`%matplotlib inline`), line 1: left out the IPython magic `%matplotlib inline`" in out
    assert "line 3: left out the shell command `!pip install nothing`" in out
    assert "note: cell 3 (`print('trying')`) raised NameError: name 'not_defined_yet' is not defined (line 2)" in out
    assert "cell 6 (`%%bash`) was left out" in out
    assert "cell 7 (`from grader import check`) was left out: it runs the grader" in out
    for said in ("FAIL  relu:", "modified its argument x in place", "PASS  sigmoid:", "PASS  step_function:"):
        assert said in out
    # the learner's traceback names the cell and its line, not the generated file
    assert "cell 5 (`def identity_function(x):`), line 2, in identity_function" in out
    assert "ex01_activations.py" not in out

    document = json.loads(grade("exercise", "1", "--file", str(notebook), "--format", "json").output)
    assert any("raised NameError" in note for note in document["notes"])
    assert {check["name"].split(":")[0] for check in document["checks"]} == set(CONTRACT_NAMES[1])


def test_notebook_with_an_earlier_exercise_imports_it_from_its_own_cells(tmp_path):
    notebook = write_notebook(tmp_path / "work.ipynb", SOLUTION_1, SOLUTION_3)
    result = grade("exercise", "3", "--file", str(notebook), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "every check passed" in result.output


def test_cells_that_never_finish_are_explained(tmp_path):
    notebook = write_notebook(tmp_path / "work.ipynb", SOLUTION_1, "while True:\n    pass")
    result = grade("exercise", "1", "--file", str(notebook), "--timeout", "1", "--lang", "en")
    assert result.exit_code == 1
    assert "did not finish within 1 s" in result.output
    assert "keep long runs (training, loading data) out of the graded cells" in result.output


def test_help_mentions_notebooks():
    assert ".ipynb" in grade("exercise", "--help").output


def test_a_broken_notebook_file_is_a_usage_error(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_text("{not json", encoding="utf-8")
    result = grade("exercise", "1", "--file", str(path))
    assert result.exit_code == 2
    assert "not a readable Jupyter notebook" in result.output


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


# --- notebooks and sources too big or too deep to read -------------------------------------------------


def raw_notebook(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def deep_json_notebook(path: Path, depth: int = 100_000) -> Path:
    return raw_notebook(path, '{"nbformat": 4, "cells": [], "metadata": ' + "[" * depth + "]" * depth + "}")


def test_a_notebook_nested_100000_deep_is_a_clear_error_not_a_recursion_error(tmp_path):
    with pytest.raises(InputLimitError, match="nests its JSON more than 100 levels deep; .* save it again"):
        notebook_code_cells(deep_json_notebook(tmp_path / "work.ipynb"))


def test_brackets_inside_json_strings_do_not_count_as_nesting(tmp_path):
    source = 's = "' + "[{" * 500 + '\\"' + "]}" * 10 + '"\n'  # an escaped quote in the string, too
    notebook = write_notebook(tmp_path / "work.ipynb", source)
    (cell,) = notebook_code_cells(notebook)
    assert cell.code == source


@pytest.mark.parametrize(
    ("code", "what"),
    [
        pytest.param("x = " + "- " * 200_000 + "1\n", "unary minus", id="200000 unary minuses"),
        pytest.param("x = " + "not " * 50_000 + "1\n", "not", id="50000 nots"),
        pytest.param("x = " + "- " * (MAX_CODE_DEPTH + 5) + "1\n", "just past the limit", id="past the limit"),
        pytest.param("x = " + "+".join(["1"] * (MAX_CODE_DEPTH + 5)) + "\n", "a long sum", id="long sum"),
    ],
)
def test_code_nested_too_deep_is_a_clear_error(code, what):
    with pytest.raises(InputLimitError) as caught:
        clean_cell(code, plain("cell 2"))
    assert str(caught.value).startswith(f"cell 2 nests its code more than {MAX_CODE_DEPTH} levels deep"), what
    assert caught.value.ja.startswith(f"cell 2 のコードは {MAX_CODE_DEPTH} 段より深く")


def test_code_nested_to_the_limit_is_read_and_collected():
    code = "x = " + "- " * (MAX_CODE_DEPTH - 10) + "1"
    cell = clean_cell(code, plain("cell 2"))
    assert cell.code == code
    assert chunk_codes(collect_definitions([cell], ["x"])) == [code]


def test_a_cell_longer_than_the_limit_is_a_clear_error(tmp_path):
    notebook = write_notebook(tmp_path / "work.ipynb", "data = '" + "x" * MAX_SOURCE_CHARS + "'\n")
    with pytest.raises(InputLimitError, match=r"cell 1 \(`data = 'x+\.\.\.`\) has 1,000,010 characters; .* split it"):
        notebook_code_cells(notebook)


def test_the_code_of_a_notebook_is_bounded_as_a_whole(tmp_path):
    cells = ["data = '" + "x" * (MAX_SOURCE_CHARS - 20) + "'\n"] * (MAX_NOTEBOOK_CODE_CHARS // MAX_SOURCE_CHARS + 1)
    with pytest.raises(InputLimitError, match="the code cells of .* have more than 4,000,000 characters together"):
        notebook_code_cells(write_notebook(tmp_path / "work.ipynb", *cells))


def test_a_notebook_file_larger_than_the_limit_is_not_read(tmp_path, monkeypatch):
    notebook = write_notebook(tmp_path / "work.ipynb", "x = 1\n")
    monkeypatch.setattr("grader.notebook.MAX_NOTEBOOK_BYTES", notebook.stat().st_size - 1)
    with pytest.raises(InputLimitError, match="is larger than 0 MiB, more than the grader reads: clear its outputs"):
        notebook_code_cells(notebook)


def test_an_oversized_report_from_the_sandbox_is_ignored():
    import numpy as np

    from grader.notebook import _decode_failures

    record = json.dumps([{"chunk": 0, "lines": [1], "error": "E"}]).encode()
    assert _decode_failures(np.frombuffer(record, dtype=np.uint8)) == [{"chunk": 0, "lines": [1], "error": "E"}]
    padded = record + b" " * (2 * 1024 * 1024)
    assert _decode_failures(np.frombuffer(padded, dtype=np.uint8)) == []


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        pytest.param("deep json", "nests its JSON more than 100 levels deep", id="deep json"),
        pytest.param("deep code", "cell 1 (`x = - - - - - - - - - - - - - - - - -...`) nests its code", id="deep code"),
    ],
)
def test_grade_exercise_on_a_notebook_beyond_the_limits_says_so_and_exits_2(tmp_path, kind, said):
    if kind == "deep json":
        notebook = deep_json_notebook(tmp_path / "work.ipynb")
    else:
        notebook = write_notebook(tmp_path / "work.ipynb", "x = " + "- " * 200_000 + "1\n")
    result = CliRunner().invoke(main, ["exercise", "1", "--file", str(notebook), "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"grade: {str(notebook) + ' ' if kind == 'deep json' else ''}"), result.output
    assert said in result.output
    assert "Traceback" not in result.output
    assert "Usage:" not in result.output
    japanese = CliRunner().invoke(main, ["exercise", "1", "--file", str(notebook), "--lang", "ja"])
    assert japanese.exit_code == 2
    assert "段より深く入れ子" in japanese.output


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
