"""From a cell to Python: magics and shell lines, a notebook file's code cells, the parse limits."""

from __future__ import annotations

import pytest
from notebooks import deep_json_notebook, write_notebook

from grader.errors import InputLimitError, UsageError
from grader.notebook.cells import (
    MAX_CODE_DEPTH,
    MAX_NOTEBOOK_CODE_CHARS,
    MAX_SOURCE_CHARS,
    clean_cell,
    notebook_code_cells,
)
from grader.notebook.module import Chunk, build_module
from grader.text import plain

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


# --- reading a notebook file ---------------------------------------------------------------------------


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


# --- notebooks and sources too big or too deep to read -------------------------------------------------


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
    monkeypatch.setattr("grader.notebook.cells.MAX_NOTEBOOK_BYTES", notebook.stat().st_size - 1)
    with pytest.raises(InputLimitError, match="is larger than 0 MiB, more than the grader reads: clear its outputs"):
        notebook_code_cells(notebook)
