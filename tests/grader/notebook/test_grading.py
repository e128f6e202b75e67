"""Grading a notebook file: ``grade exercise N --file work.ipynb``, in the notebook's terms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from notebooks import SOLUTION_1, SOLUTION_3, deep_json_notebook, write_notebook

from grader.cli import main
from grader.course import contract_names
from grader.notebook.grading import _decode_failures


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
    assert {check["name"].split(":")[0] for check in document["checks"]} == set(contract_names(1))


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


def test_an_oversized_report_from_the_sandbox_is_ignored():
    import numpy as np

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
