"""``check(N)`` in a kernel: read its cells, grade them in a fresh grader process, show the result.

Nothing here runs the learner's code: the kernel's cells are only read, and
the verdicts come from a separate ``python -I`` process (``_grade_main``).
"""

from __future__ import annotations

import html
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GraderError, SandboxError, UsageError
from grader.grading.engine import get_exercise
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.notebook.cells import MAX_SOURCE_CHARS, CellCode, clean_cell
from grader.notebook.folder import prepare_kernel
from grader.notebook.grading import grade_folder
from grader.text import Text, default_language, plain

META_FILE = "notebook.json"


def _kernel_cells() -> tuple[list[CellCode], Mapping[str, Any], Mapping[str, Any], str]:
    """The input history, namespace, hidden names and name of the running IPython kernel or script."""
    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is not None:
        history = list(shell.history_manager.input_hist_raw)
        cells = [
            clean_cell(source, plain(f"In [{count}]"))
            for count, source in enumerate(history)
            if count and isinstance(source, str) and source.strip()
        ]
        shown_as = os.environ.get("JPY_SESSION_NAME") or "this notebook"
        return cells, shell.user_ns, getattr(shell, "user_ns_hidden", {}), shown_as
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if main is not None and isinstance(file, str) and Path(file).is_file():
        with open(file, "rb") as handle:
            # never more than a source may hold: clean_cell refuses what is longer
            text = handle.read(4 * MAX_SOURCE_CHARS + 1).decode("utf-8", errors="replace")
        return [clean_cell(text, plain(Path(file).name))], vars(main), {}, file
    raise UsageError(
        "check() reads your definitions from the notebook's history: run it in Jupyter, Colab or IPython; "
        "for a file, run: grade exercise N --file yourfile.py",
        "check() はノートブックの実行履歴から定義を読みます。Jupyter・Colab・IPython の中で実行してください。"
        "ファイルなら次を実行します: grade exercise N --file yourfile.py",
    )


# started and ended as a ``grade exercise`` that grades in its own process (``grader.launch.grading_process_start``
# and ``grading_process_end``): one BLAS thread, the sandbox's server loading NumPy while this process loads the
# grader, the classes' kept code
_BOOTSTRAP = (
    "import os, sys; sys.path.insert(0, sys.argv[1]); from grader import launch; "
    "launch.grading_process_start(grades=True); "
    "from grader.notebook.kernel import _grade_main; _grade_main(); launch.grading_process_end(); os._exit(0)"
)


def _grade_main() -> None:
    """The grading process ``check`` starts: grade the folder named on the command line, print JSON.

    ``_BOOTSTRAP`` then ends the process, without the interpreter's teardown.
    """
    folder = Path(sys.argv[2])
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    document: dict[str, object]
    try:
        result = grade_folder(int(meta["number"]), folder, meta, timeout=meta.get("timeout"), jobs=int(meta["jobs"]))
        document = {"result": result.to_data()}
    except GraderError as problem:
        document = {"error": str(problem), "kind": type(problem).__name__}
    sys.stdout.write(json.dumps(document))
    sys.stdout.flush()


def _grade_elsewhere(folder: Path, meta: dict) -> ExerciseResult:
    """Grade ``folder`` in a fresh grader process: none of the verdict is computed in the kernel."""
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    root = str(Path(__file__).resolve().parents[2])
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", _BOOTSTRAP, root, str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
        start_new_session=True,
    )
    try:
        out, err = process.communicate()
    except BaseException:  # Ctrl-C / interrupting the kernel: take the grading down with it
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    try:
        document = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SandboxError(
            "the grading process ended without a result:\n" + err.decode("utf-8", "replace")[-2000:]
        ) from None
    if "error" in document:
        kind = UsageError if document.get("kind") == "UsageError" else GraderError
        raise kind(str(document["error"]))
    return ExerciseResult.from_data(document["result"])


@dataclass(frozen=True)
class NotebookResult:
    """What ``check(N)`` returns: a table in Jupyter, the usual text report elsewhere.

    ``passed``, ``score``, ``max_score``, ``results`` and ``notes`` are there
    for code; ``to_json()`` is the ``grade exercise --format json`` document.
    """

    result: ExerciseResult
    lang: str = "en"

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return self.result.passed

    @property
    def score(self) -> float:
        """Points earned."""
        return self.result.score

    @property
    def max_score(self) -> float:
        """Points available."""
        return self.result.max_score

    @property
    def results(self) -> tuple[CheckResult, ...]:
        """Every check's verdict."""
        return self.result.results

    @property
    def notes(self) -> tuple[Text, ...]:
        """What was graded, left out, or failed while the definitions ran."""
        return tuple(self.result.extra.get("notes", ()))

    def to_json(self) -> dict:
        """The ``grade exercise N --format json`` document (with ``notes``)."""
        return self.result.to_json(self.lang)

    def __str__(self) -> str:
        return _rerun_in_notebook(self.result.to_text(self.lang), self.result.exercise.number)

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        return _rerun_in_notebook(render_html(self.result, self.lang), self.result.exercise.number)


def _rerun_in_notebook(text: str, number: int) -> str:
    """In a notebook the way to grade again is ``check(N)``, not the command line."""
    return text.replace(f"re-run: grade exercise {number}", f"re-run: check({number})").replace(
        f"再実行: grade exercise {number}", f"再実行: check({number})"
    )


_STATUS_HTML = {
    Status.PASSED: ("\u2713", "PASS", "#e6f4ea"),
    Status.NOT_ATTEMPTED: ("\u2026", "TODO", "#fff8e1"),
}
_FAILED_HTML = ("\u2717", "FAIL", "#fdecea")


def render_html(result: ExerciseResult, lang: str) -> str:
    """An HTML table of ``result`` for Jupyter: every text escaped, pass and fail told by a word and a mark."""
    from grader.grading.feedback import check_detail, summary

    e = html.escape
    number = result.exercise.number
    heading = Text(f"Exercise {number}: ", f"課題 {number}: ")(lang) + result.exercise.title(lang)
    parts = [
        '<div class="dlgrade-result">',
        f"<p><strong>{e(heading)}</strong> <small>{e(str(result.submission))}</small></p>",
        f"<p><strong>{e(summary(result, lang))}</strong></p>",
    ]
    notes = result.extra.get("notes", ())
    if notes:
        parts.append("<ul>" + "".join(f"<li>{e(note(lang))}</li>" for note in notes) + "</ul>")
    column = Text("result|check|points|details", "結果|チェック|得点|詳細")(lang).split("|")
    parts.append('<table style="border-collapse:collapse;text-align:left">')
    head = "padding:2px 8px;text-align:left;border-bottom:1px solid #999"
    parts.append("<thead><tr>" + "".join(f'<th style="{head}">{e(c)}</th>' for c in column) + "</tr></thead>")
    parts.append("<tbody>")
    for check in result.results:
        mark, word, background = _STATUS_HTML.get(check.status, _FAILED_HTML)
        if check.passed:
            detail_lines = [line(lang) for line in check.lines]
        else:
            detail_lines = [line[2:] if line.startswith("  ") else line for line in check_detail(check, lang)]
        detail = "\n".join(detail_lines)
        points = f"{check.score:g}/{check.max_score:g}"
        cell = "padding:2px 8px;vertical-align:top;text-align:left"
        parts.append(
            f'<tr class="dlgrade-{e(check.status)}">'
            f'<td style="{cell};background:{background};white-space:nowrap"><strong>{mark} {e(word)}</strong></td>'
            f'<td style="{cell}">{e(check.title(lang))}</td>'
            f'<td style="{cell}">{e(points)}</td>'
            f'<td style="{cell}"><pre style="margin:0;white-space:pre-wrap">{e(detail)}</pre></td>'
            "</tr>"
        )
    parts.append("</tbody></table>")
    parts.append("</div>")
    return "\n".join(parts)


def check(number: int, *, lang: str | None = None, timeout: float | None = None, jobs: int = 2) -> NotebookResult:
    """Grade exercise ``number`` from what this notebook's kernel defines, in the sandbox.

    Parameters
    ----------
    number : int
        The exercise (``check(3)`` grades ``d_sigmoid``, ``backward``, ...).
    lang : {"en", "ja"}, optional
        Language of the feedback; from the locale when ``None``.
    timeout : float, optional
        CPU seconds one graded call may use (3 times that in wall time for code that waits);
        the exercise's own when ``None``.
    jobs : int
        Checks run at once.

    Returns
    -------
    NotebookResult
        Shown as a table in Jupyter and as the text report elsewhere.

    Examples
    --------
    In a notebook cell, after the cells that define the functions::

        from grader import check
        check(1)
    """
    language = lang or default_language()
    try:
        get_exercise(number)
        cells, namespace, hidden, shown_as = _kernel_cells()
    except UsageError as problem:  # a notebook shows str(): in the learner's language
        if language == "ja" and problem.ja:
            raise type(problem)(problem.ja) from None
        raise
    folder = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
    try:
        meta = prepare_kernel(number, folder, cells, namespace, hidden, cwd=Path.cwd(), shown_as=shown_as)
        meta["timeout"] = timeout
        meta["jobs"] = int(jobs)
        result = _grade_elsewhere(folder, meta)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return NotebookResult(result, language)
