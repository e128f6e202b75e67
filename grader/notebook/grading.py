"""Grading the folder: the sandbox's verdicts told in the notebook's terms.

Tracebacks name the cell and its line instead of the generated file, and the
cells that failed while the module was imported come back through one extra
probe (``REPORT_CHECK``) and become notes.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.grading.engine import Check, get_exercise, grade_exercise
from grader.grading.progress import FINISHED, STARTED, CheckEvent, ProgressListener
from grader.grading.results import ExerciseResult, Status, Verdict
from grader.notebook.folder import prepare_notebook_file
from grader.notebook.module import MAX_REPORTED_FAILURES, REPORT_FUNCTION, Span, locate
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text

REPORT_CHECK = "notebook: cells that failed while the module was imported"
# the module wrote the record, and the learner's code ran there: read no more than this of it
MAX_REPORT_BYTES = 1024 * 1024

_TRACEBACK_FILE = re.compile(r'File "(?P<file>ex\d\d_\w+\.py)", line (?P<line>\d+)')


def _report_check(store: dict) -> Check:
    """A check worth nothing whose probe brings back the module's record of failed cells."""
    probe = Probe()
    probe.save(probe.call(REPORT_FUNCTION), "report")

    def verify(run: ProbeRun) -> Verdict:
        store["array"] = run.output("report").array
        return Verdict.ok()

    return Check(REPORT_CHECK, REPORT_CHECK, probe, verify, points=0.0)


def _decode_failures(array: Any) -> list[dict]:
    """The module's record of failed cells, from the bytes the probe brought back."""
    if getattr(array, "nbytes", 0) > MAX_REPORT_BYTES:  # the module wrote it, and the learner's code ran there
        return []
    try:
        records = json.loads(bytes(array.tobytes()).decode("utf-8"))
    except (AttributeError, ValueError, UnicodeDecodeError, RecursionError):
        return []
    if not isinstance(records, list):
        return []
    usable = []
    for record in records[:MAX_REPORTED_FAILURES]:
        if not isinstance(record, dict):
            continue
        chunk, lines, error = record.get("chunk"), record.get("lines"), record.get("error")
        if isinstance(chunk, int) and isinstance(lines, list) and isinstance(error, str):
            usable.append({"chunk": chunk, "lines": [n for n in lines if isinstance(n, int)], "error": error[:1000]})
    return usable


def _failure_note(record: dict, spans: Sequence[Span]) -> Text | None:
    """``cell 3 (`x = load()`) raised NameError: ... (line 1); the rest still ran``."""
    if not 0 <= record["chunk"] < len(spans):
        return None
    span = spans[record["chunk"]]
    places = [located for n in record["lines"] if (located := locate(spans, n)) is not None]
    own = [line for label, line in places if label == span.label]
    where_en = [f"line {own[0]}"] if own else []
    where_ja = [f"{own[0]} 行目"] if own else []
    if places and (not own or places[-1] != (span.label, own[0])):
        # it went wrong inside a function the cell called
        label, line = places[-1]
        where_en.append(f"in {label.en}, line {line}")
        where_ja.append(f"{label.ja} の {line} 行目")
    en = f" ({'; '.join(where_en)})" if where_en else ""
    ja = f"({'、'.join(where_ja)})" if where_ja else ""
    error = record["error"]
    return Text(
        f"{span.label.en} raised {error}{en}; the rest still ran",
        f"{span.label.ja} で {error} が発生しました{ja}。残りは実行しました",
    )


def _map_traceback(text: str, spans: Mapping[str, Sequence[Span]], lang: str) -> str:
    """``File "ex01_activations.py", line 57`` to ``cell 3, line 4`` in a generated module."""

    def where(match: re.Match) -> str:
        located = locate(spans.get(match.group("file"), ()), int(match.group("line")))
        if located is None:
            return match.group(0)
        label, line = located
        return f"{label(lang)}, line {line}"

    return _TRACEBACK_FILE.sub(where, text)


def _notebook_wording(text: Text, spans: Mapping[str, Sequence[Span]], source: str) -> Text:
    en = _map_traceback(text.en, spans, "en")
    ja = _map_traceback(text.ja, spans, "ja")
    if source == "kernel":
        en = en.replace("your file defines no", "no cell of this kernel defines")
        ja = ja.replace("ファイルに `", "このカーネルのセルに `")
    else:
        en = en.replace("your file defines no", "no code cell of the notebook defines")
        ja = ja.replace("ファイルに `", "ノートブックのセルに `")
    return Text(en, ja)


def _not_run_note(lines: Sequence[Text], spans: Mapping[str, Sequence[Span]], source: str) -> Text:
    """Why the cells could not be run at all (a time-out, an exit, a crash while importing)."""
    said = [_notebook_wording(line, spans, source) for line in lines]
    en = "the cells could not all run in the sandbox: " + "; ".join(line.en for line in said)
    ja = "セルをサンドボックスですべて実行できませんでした: " + "; ".join(line.ja for line in said)
    if any("did not finish" in line.en for line in said):
        en += (
            "; keep long runs (training, loading data) out of the graded cells, or grade with check(N) "
            "in the notebook, which takes only your definitions"
        )
        ja += (
            "。時間のかかる処理(学習やデータ読み込み)を採点されるセルから外すか、"
            "定義だけを使う check(N) で採点してください"
        )
    return Text(en, ja)


def _without_report_check(listener: ProgressListener | None) -> ProgressListener | None:
    """``listener`` told about the exercise's own checks only: the hidden last one (the cells' report) is left out."""
    if listener is None:
        return None

    def forward(event: CheckEvent) -> None:
        if event.number == event.total and event.kind in (STARTED, FINISHED):
            return
        listener(replace(event, total=max(event.total - 1, 0)))

    return forward


def grade_folder(
    number: int,
    folder: Path,
    meta: Mapping,
    *,
    timeout: float | None = None,
    jobs: int = 2,
    progress: ProgressListener | None = None,
) -> ExerciseResult:
    """Grade the module ``prepare_*`` wrote into ``folder``; an ``ExerciseResult`` in the notebook's terms.

    Tracebacks name the cell and its line instead of the generated file, the
    cells that failed while the module was imported are added to the notes
    (``result.extra["notes"]``), and the result names the notebook.
    """
    exercise = get_exercise(number)
    spans = {name: [Span.from_data(item) for item in items] for name, items in dict(meta.get("spans", {})).items()}
    notes = [Text(str(en), str(ja)) for en, ja in meta.get("notes", [])]
    store: dict = {}
    checks = [*exercise.build_checks(), _report_check(store)]
    result = grade_exercise(
        number,
        folder / f"{exercise.module}.py",
        timeout=timeout,
        jobs=jobs,
        checks=checks,
        progress=_without_report_check(progress),
    )
    source = str(meta.get("source", "file"))
    shown = Path(str(meta.get("shown_as", folder)))
    module_file = f"{exercise.module}.py"

    def in_notebook_terms(line: Text) -> Text:
        # traceback lines become cells first; any other mention of the generated file names the notebook
        worded = _notebook_wording(line, spans, source)
        return Text(worded.en.replace(module_file, shown.name), worded.ja.replace(module_file, shown.name))

    failure = result.import_failure
    if failure is not None:
        # the generated module did not import: the cells could not all run
        notes.append(_not_run_note(failure.lines[1:], spans, source))
        failure = replace(failure, lines=tuple(in_notebook_terms(line) for line in failure.lines))
    results = []
    for check in result.results:
        if check.name == REPORT_CHECK:
            if check.status != Status.PASSED and failure is None:
                notes.append(_not_run_note(check.lines, spans, source))
            continue
        results.append(replace(check, lines=tuple(in_notebook_terms(line) for line in check.lines)))
    module_spans = spans.get(f"{exercise.module}.py", [])
    for record in _decode_failures(store.get("array")):
        note = _failure_note(record, module_spans)
        if note is not None:
            notes.append(note)
    return replace(
        result,
        submission=shown,
        results=tuple(results),
        extra={**result.extra, "notes": tuple(notes)},
        import_failure=failure,
    )


def grade_notebook_file(
    number: int,
    notebook: Path,
    *,
    timeout: float | None = None,
    jobs: int = 2,
    progress: ProgressListener | None = None,
    import_folders: Sequence[Path] = (),
) -> ExerciseResult:
    """Grade the code cells of the ``.ipynb`` file ``notebook`` as exercise ``number``.

    Magics and shell lines are left out, each cell runs in its own ``try``
    block in the sandbox, and the result's ``extra["notes"]`` tells what was
    left out and which cells failed.  The cells may import the ``exNN_*.py``
    files beside the notebook, then those of ``import_folders``.
    """
    notebook = Path(notebook)
    if not notebook.is_file():
        raise UsageError(f"no such file: {notebook}", f"ファイルがありません: {notebook}")
    folder = Path(tempfile.mkdtemp(prefix="grade-notebook-"))
    try:
        meta = prepare_notebook_file(number, notebook, folder, import_folders)
        return grade_folder(number, folder, meta, timeout=timeout, jobs=jobs, progress=progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
