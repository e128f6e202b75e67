"""Grade exercises written in Jupyter notebooks, through the same sandbox as files.

Two ways in, one machinery:

``check(N)`` in a notebook cell grades what the learner has defined in the
kernel.  It only collects source text, never runs the learner's code here:

1. For each name exercise N's checks call (``CONTRACT_NAMES``), the statement
   that defines it *now*: for a function or class defined in a cell, its
   ``def``/``class`` block, found from the live object in the kernel's
   namespace (``co_filename``/``co_firstlineno`` of its code, whose cell source
   IPython keeps in ``linecache``; for a class, from one of its methods, since
   ``inspect.getsource`` can not find classes defined in a notebook); for
   anything else (constants, imports, ``relu = make_relu()``) the latest
   top-level statement of the kernel's input history that binds the name.
2. The statement's global names, found with ``symtable`` (which tells a global
   from a local), resolved the same way, recursively: a name used while the
   statement runs (a default value, a base class, the right-hand side of an
   assignment) by the latest binding *before* it, a name used inside a function
   body by the latest binding of all, as the kernel would.  Nothing else of the
   history is taken, so cells that train, plot or load data are left out.
3. The statements, in execution order, become ``exNN_<topic>.py`` in a
   temporary folder; each runs in its own ``try`` block, so an import that only
   worked in the notebook (``from common.functions import ...``) is reported
   and the rest still runs.  Earlier exercises defined in the notebook become
   their own ``exMM_<topic>.py`` (so ``from ex05_im2col import im2col``
   works), unless the kernel imported that module from a file, which is copied.
4. A separate grader process (``python -I``) grades the folder with
   ``grade_exercise``, so no verdict is computed in the kernel, whose NumPy
   the learner's cells may have patched; the kernel only shows the result.

Collecting looks only at ``type()`` of the kernel's values and at the code
objects of functions and plain classes: no property, ``__getattr__`` or
metaclass the learner wrote runs in the kernel.  Outside IPython, ``check``
reads the running script's file instead of a history.

Limits
------
Notebooks and sources are parsed here, in the grader's own process (or the
kernel's, for ``check``), so what is parsed is bounded first: a notebook file
at most ``MAX_NOTEBOOK_BYTES``, its JSON nested at most ``MAX_JSON_DEPTH``
deep, its code cells together at most ``MAX_NOTEBOOK_CODE_CHARS``; each cell or
script at most ``MAX_SOURCE_CHARS`` and its code nested at most
``MAX_CODE_DEPTH`` deep (CPython's own parser gives up on deeper code with a
``MemoryError`` or ``RecursionError``, and so would the walks over its tree
here).  Beyond them, ``InputLimitError`` (a ``UsageError``) says which cell or
file and what to do; ``grade`` shows it as ``grade: ...`` with exit status 2,
and in Jupyter ``check`` shows the message instead of a traceback.

``grade exercise N --file work.ipynb`` reads the notebook with ``json`` and
turns every code cell, in order, into one module, each cell in its own ``try``
block; IPython magics and shell lines are left out with a note, and a cell
that raises while the module is imported in the sandbox is reported (which
cell, which line, the error) while the other cells still run.  The failures
come back through one extra probe that reads the module's record of them as
bytes, like any other result.

Layout
------
One module per concern, each importing only the ones above it:

``cells``
    From a cell to Python: ``clean_cell`` (magics, shell and help lines), the
    parse limits, ``notebook_code_cells`` (a notebook file's code cells).
``module``
    One module from many pieces: ``build_module`` writes each ``Chunk`` in a
    ``try`` block of a ``GeneratedModule``, whose ``Span`` list maps its lines
    back to the cells.
``collect``
    Finding what the learner defined (steps 1 and 2): ``collect_definitions``.
``folder``
    The folder that gets graded (step 3): ``prepare_notebook_file``,
    ``prepare_kernel``.
``grading``
    Grading the folder in the notebook's terms: ``grade_folder``,
    ``grade_notebook_file``.
``kernel``
    ``check(N)`` in a kernel (step 4): reading the kernel's cells, the grading
    process, ``NotebookResult`` and its HTML table.
"""

from __future__ import annotations

from grader.notebook.grading import grade_notebook_file
from grader.notebook.kernel import NotebookResult, check

__all__ = ["NotebookResult", "check", "grade_notebook_file"]
