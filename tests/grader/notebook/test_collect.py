"""Finding what the learner defined: the latest definitions, what they use, and nothing else."""

from __future__ import annotations

import linecache
import types

import pytest
from notebooks import cells_of

from grader.notebook.cells import MAX_CODE_DEPTH, clean_cell
from grader.notebook.collect import collect_definitions
from grader.text import plain


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


def test_code_nested_to_the_limit_is_read_and_collected():
    code = "x = " + "- " * (MAX_CODE_DEPTH - 10) + "1"
    cell = clean_cell(code, plain("cell 2"))
    assert cell.code == code
    assert chunk_codes(collect_definitions([cell], ["x"])) == [code]
