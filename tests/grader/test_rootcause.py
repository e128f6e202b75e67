"""Root causes: a failure another exercise's file caused is said once, on that exercise, and not counted as a
misconception of the later one; the misconception map shows crashes as crashes and hints' code as code; the
item analysis shows the time spent per question.

Exercise 3's worked solution imports ``sigmoid`` from ex01_activations.py (only ``d_sigmoid`` uses it), so a
stub ex01 blocks 2 of exercise 3's checks and an ex01 with a syntax error blocks all of them.
"""

from __future__ import annotations

import csv
import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from classbook import HINT, attempt, make_result

from grader.classroom.batch import run_batch
from grader.classroom.gradebook import AnswerRow, AttemptRow, ClassRecord, Gradebook
from grader.classroom.report import build_report, hint_html, hint_plain, render_html, write_csvs
from grader.grading.engine import grade_exercise
from grader.grading.results import ExerciseResult, Status
from grader.text import Text

ROOT = Path(__file__).resolve().parents[2]
SYNTAX_ERROR = "import numpy as np\n\n\ndef sigmoid(x)\n    return 1 / (1 + np.exp(-x))\n"


def _folder(path: Path, ex01: str | None) -> Path:
    """A learner folder: the worked ex02 and ex03, and ex01 as given (None: the worked solution)."""
    path.mkdir(parents=True)
    for module in ("ex02_softmax_loss", "ex03_backward"):
        shutil.copy(ROOT / "solutions" / f"{module}.py", path / f"{module}.py")
    source = (ROOT / "solutions" / "ex01_activations.py").read_text() if ex01 is None else ex01
    (path / "ex01_activations.py").write_text(source)
    return path


STUB = (ROOT / "exercises" / "ex01_activations.py").read_text()


# --- grading: detected once, said once ----------------------------------------------------------------


def test_a_stub_earlier_exercise_blocks_only_the_checks_that_reach_it(tmp_path):
    folder = _folder(tmp_path / "stub", STUB)
    result = grade_exercise(3, folder / "ex03_backward.py")
    blocked = [check for check in result.results if check.blocked_by is not None]
    assert {check.target for check in blocked} == {"d_sigmoid"}
    assert all(check.blocked_by == 1 and check.hint is None for check in blocked)
    assert result.blocked_by == 1
    assert all(check.passed for check in result.results if check.blocked_by is None)
    text = result.to_text("en")
    assert text.count("could not be checked") == 1
    assert (
        "2 of 18 checks of exercise 3 could not be checked because ex01_activations.py (exercise 1) still raises "
        "NotImplementedError in sigmoid; fix exercise 1 first (grade exercise 1)"
    ) in text
    japanese = result.to_text("ja")
    assert "ex01_activations.py(課題 1)がまだ sigmoid で NotImplementedError を送出するため" in japanese
    assert "先に課題 1 を直してください" in japanese


def test_an_earlier_file_with_a_syntax_error_is_one_message_not_a_crash_per_check(tmp_path):
    folder = _folder(tmp_path / "syntax", SYNTAX_ERROR)
    result = grade_exercise(3, folder / "ex03_backward.py")
    assert result.import_failure is None  # the file graded is not at fault
    assert {check.blocked_by for check in result.results} == {1}
    assert {check.status for check in result.results} == {Status.FAILED}
    for lang, sentence in (
        ("en", "exercise 3 could not be checked because ex01_activations.py (exercise 1) has a syntax error"),
        ("ja", "ex01_activations.py(課題 1)が構文エラーを含むため、課題 3 を確認できませんでした"),
    ):
        text = result.to_text(lang)
        assert text.count(sentence) == 1
        assert text.count("SyntaxError: expected ':'") == 1  # the traceback once, under the sentence
        assert 'File "ex01_activations.py", line 4' in text
    document = result.to_json("en")
    assert [entry["exercise"] for entry in document["blocked_by"]] == [1]
    again = ExerciseResult.from_data(result.to_data())
    assert (again.blocked_by, again.results[0].blocked_by) == (1, 1)


def test_an_exception_inside_an_earlier_file_blocks_unless_the_check_recognises_a_mistake(tmp_path):
    raising = (ROOT / "solutions" / "ex01_activations.py").read_text() + (
        "\n\ndef sigmoid(x):\n    raise ValueError('sigmoid is broken')\n"
    )
    folder = _folder(tmp_path / "raising", raising)
    result = grade_exercise(3, folder / "ex03_backward.py")
    assert {check.target for check in result.results if check.blocked_by == 1} == {"d_sigmoid"}
    text = result.to_text("en")
    assert "ex01_activations.py (exercise 1) raised ValueError: sigmoid is broken" in text
    assert "look at the arguments your code passes to it" in text
    assert "引数を確認してください" in result.to_text("ja")
    # arguments passed swapped to a correct earlier function: the check names it, and it stays exercise 7's
    # (tests/grader/test_error_diagnosis.py grades that case)


def test_a_missing_earlier_file_and_the_files_own_errors(tmp_path):
    folder = _folder(tmp_path / "missing", None)
    (folder / "ex01_activations.py").unlink()
    missing = grade_exercise(3, folder / "ex03_backward.py")
    assert missing.blocked_by == 1
    assert "ex01_activations.py (exercise 1) is not in your folder" in missing.to_text("en")
    # the file graded failing on its own is not blocked, and its crash has a kind
    own = tmp_path / "own" / "ex03_backward.py"
    own.parent.mkdir()
    own.write_text("import numpy as np\n\ndef d_relu(u):\n    raise ValueError('mine')\n")
    result = grade_exercise(3, own)
    assert result.blocked_by is None
    assert not result.blockers
    d_relu = [check for check in result.results if check.target == "d_relu"]
    assert {(check.error, check.crash) for check in d_relu} == {("ValueError", "ValueError")}


# --- a real batch: recorded, and counted once under the culprit ---------------------------------------------


@pytest.fixture(scope="module")
def blocked_class(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("rootcause")
    class_dir = root / "class"
    _folder(class_dir / "good", None)
    _folder(class_dir / "stub", STUB)
    _folder(class_dir / "syntax", SYNTAX_ERROR)
    database = root / "gradebook.sqlite"
    with Gradebook(database) as gradebook:
        summary = run_batch(class_dir, gradebook, jobs=2, exercises={1, 3})
    assert summary.graded == 6
    return database, root


def test_batch_records_the_culprit_exercise(blocked_class):
    database, _ = blocked_class
    with Gradebook(database) as gradebook:
        record = gradebook.load()
    blocked = {(row.learner, row.exercise): row.blocked_by for row in record.submissions}
    assert blocked == {
        ("good", 1): None,
        ("good", 3): None,
        ("stub", 1): None,
        ("stub", 3): 1,
        ("syntax", 1): None,
        ("syntax", 3): 1,
    }
    stub3 = next(row for row in record.submissions if (row.learner, row.exercise) == ("stub", 3))
    assert {check.name.split(":")[0] for check in stub3.checks if check.blocked_by == 1} == {"d_sigmoid"}


def test_the_report_counts_a_blocked_failure_once_under_the_culprit(blocked_class):
    database, root = blocked_class
    with Gradebook(database) as gradebook:
        report = build_report(gradebook.load(), {}, generated="2025-04-01T09:00:00+09:00")
    exercise_3 = [row for row in report.misconceptions if row.column.exercise == 3]
    assert all(row.failed == () for row in exercise_3), "no check of exercise 3 counts a blocked failure"
    d_sigmoid = [row for row in exercise_3 if row.column.name.startswith("d_sigmoid")]
    assert [(row.blocked, row.submitted) for row in d_sigmoid] == [(("stub", "syntax"), 1)] * 2
    d_relu = [row for row in exercise_3 if row.column.name.startswith("d_relu")]
    assert [(row.blocked, row.submitted) for row in d_relu] == [(("syntax",), 2)] * 3
    ((blocking),) = report.blockers
    assert (blocking.exercise, blocking.learners, blocking.later) == (1, ("stub", "syntax"), ((3, ("stub", "syntax")),))
    rows = {learner.name: learner.blocked for learner in report.learners}
    assert rows == {"good": {}, "stub": {3: 1}, "syntax": {3: 1}}
    english, japanese = render_html(report, "en"), render_html(report, "ja")
    assert english.count("fix exercise 1 first: its file made checks of this exercise fail") == 2
    assert "Exercise 1: the files of 2 learners block later exercises" in english
    assert japanese.count("先に課題 1 を直してください。そのファイルが原因でこの課題のチェックが失敗しています") == 2
    assert "課題 1: 2 人のファイルが後の課題を妨げています" in japanese
    write_csvs(report, root / "csv")
    with (root / "csv" / "misconceptions.csv").open(encoding="utf-8-sig") as handle:
        header, *table = list(csv.reader(handle))
    assert ["1", "(blocks later exercises: 3)", "2", "", "", "", "", ""] in table
    d_sigmoid_rows = [row for row in table if row[1].startswith("d_sigmoid")]
    assert [(row[2], row[4], row[6]) for row in d_sigmoid_rows] == [("0", "1", "2")] * 2


# --- the misconception map from made-up gradebooks -------------------------------------------------------


def _map(page: str) -> str:
    """The misconception map's section of a report page (learners' own feedback quotes the terminal text)."""
    return page[page.index('<section id="misconceptions">') : page.index('<section id="items">')]


def _with(result: ExerciseResult, position: int, **changes) -> ExerciseResult:
    results = list(result.results)
    results[position] = replace(results[position], **changes)
    return replace(result, results=tuple(results))


GENERIC = Text(
    "the last lines name the line of your file that failed and why", "最後の行に、失敗した行とその原因が出ています"
)
SPECIFIC = Text(
    "softmax needs `axis=-1, keepdims=True` so rows stay rows", "行ごとに `axis=-1, keepdims=True` が必要です"
)


def test_a_crash_without_a_specific_hint_is_grouped_by_kind_not_shown_as_a_hint(tmp_path):
    failed = [Status.FAILED, Status.PASSED]
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        for learner, error in (("ann", "ValueError"), ("bob", "ValueError"), ("cat", "timeout")):
            result = _with(make_result(2, failed), 0, hint=GENERIC, error=error, generic_hint=True)
            gradebook.record_exercise(learner, 2, "ex02_softmax_loss.py", learner, result)
        # an exception the check recognised keeps its hint
        result = _with(make_result(2, failed), 0, hint=SPECIFIC, error="ValueError", generic_hint=False)
        gradebook.record_exercise("dan", 2, "ex02_softmax_loss.py", "dan", result)
        gradebook.record_exercise("eve", 2, "ex02_softmax_loss.py", "eve", make_result(2, failed))
        record = gradebook.load()
    top = build_report(record, {}).misconceptions[0]
    assert top.failed == ("ann", "bob", "cat", "dan", "eve")
    assert top.crashes == (("ValueError", 2), ("timeout", 1))
    assert {hint.en for hint, _ in top.hints} == {SPECIFIC.en, HINT.en}
    assert GENERIC.en not in _map(render_html(build_report(record, {}), "en"))
    html = _map(render_html(build_report(record, {}), "ja"))
    assert '異常終了: <code>ValueError</code> <span class="small">(2)</span>' in html


def test_a_whole_submission_marked_blocked_leaves_all_its_failures_out(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        statuses = [Status.FAILED, Status.FAILED]
        gradebook.record_exercise("ann", 7, "ex07_layers.py", "a", make_result(7, statuses), blocked_by=2)
        gradebook.record_exercise("bob", 7, "ex07_layers.py", "b", make_result(7, statuses))
        report = build_report(gradebook.load(), {})
    assert {(row.failed, row.blocked, row.submitted) for row in report.misconceptions} == {(("bob",), ("ann",), 1)}
    assert [(b.exercise, b.learners) for b in report.blockers] == [(2, ("ann",))]


@pytest.mark.parametrize(
    ("text", "html", "plain"),
    [
        ("write `x = x - np.max(...)`", "write <code>x = x - np.max(...)</code>", "write x = x - np.max(...)"),
        (
            "g * g and `a<b>` *not* emphasis",
            "g * g and <code>a&lt;b&gt;</code> *not* emphasis",
            "g * g and a<b> *not* emphasis",
        ),
        ("an odd ` backtick stays", "an odd ` backtick stays", "an odd ` backtick stays"),
    ],
    ids=["code", "escaped-and-no-markdown", "unpaired"],
)
def test_hint_code_spans(text, html, plain):
    assert str(hint_html(text)) == html
    assert hint_plain(text) == plain


def test_backticks_are_code_in_the_page_and_gone_from_the_csv(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        result = make_result(2, [Status.FAILED], hints=[SPECIFIC])
        gradebook.record_exercise("ann", 2, "ex02_softmax_loss.py", "a", result)
        report = build_report(gradebook.load(), {})
    for lang, code in (
        ("en", "<code>axis=-1, keepdims=True</code> so rows"),
        ("ja", "<code>axis=-1, keepdims=True</code> が"),
    ):
        page = _map(render_html(report, lang))
        assert code in page
        assert "`axis" not in page
    write_csvs(report, tmp_path / "csv")
    with (tmp_path / "csv" / "misconceptions.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][5] == "softmax needs axis=-1, keepdims=True so rows stay rows"


# --- time per question -------------------------------------------------------------------------------------


def _timed_record(seconds: dict[str, list[object]]) -> ClassRecord:
    """First attempts at quiz 1, one per learner, with the given seconds per question (None: not timed)."""
    learners = max(len(values) for values in seconds.values())
    attempts = []
    for index in range(learners):
        answers = tuple(
            AnswerRow(question_id, [0], index % 2 == 0, values[index]) for question_id, values in seconds.items()
        )
        attempts.append(
            AttemptRow(f"l{index}", 1, "01-t", "en", False, f"2025-04-01T10:{index:02d}:00+09:00", "", 1, 3, answers)
        )
    return ClassRecord(
        learners=tuple(a.learner for a in attempts), submissions=(), attempts=tuple(attempts), problems={}
    )


def test_time_per_question_median_p90_and_untimed():
    record = _timed_record(
        {
            "q1": [10, 12, 14, 16, 18, None],
            "q2": [20, 20, 20, 20, 20, -5],  # a negative time (a hand-edited file) is not a time
            "q3": [5, 5, 5, 5, 5, float("nan")],
        }
    )
    (analysis,) = build_report(record, {}).analyses
    q1, q2, q3 = (item.timing for item in analysis.items)
    assert (q1.timed, q1.untimed, q1.median) == (5, 1, 14.0)
    assert q1.p90 == pytest.approx(17.2)  # 16 + 0.6 * (18 - 16), numpy's linear interpolation
    assert (q2.timed, q2.untimed, q2.median) == (5, 1, 20.0)
    assert (q3.timed, q3.untimed) == (5, 1)
    assert not any(timing.slow for timing in (q1, q2, q3))


def test_a_question_far_slower_than_the_quiz_is_flagged_in_both_languages(tmp_path):
    record = _timed_record({"q1": [10] * 5, "q2": [12] * 5, "q3": [40, 45, 50, 55, 60], "q4": [11] * 5})
    report = build_report(record, {})
    items = report.analyses[0].items
    assert [item.timing.slow for item in items] == [False, False, True, False]
    assert "median 50 s against 12 s for a typical question" in items[2].flags[-1].en  # typical: median of 10,11,12,50
    assert "中央値 50 秒" in items[2].flags[-1].ja
    assert "median 50 s" in render_html(report, "en")
    assert "中央値 50 秒" in render_html(report, "ja")
    write_csvs(report, tmp_path)
    with (tmp_path / "items.csv").open(encoding="utf-8-sig") as handle:
        header, *rows = list(csv.reader(handle))
    assert header[-4:] == ["timed answers", "untimed answers", "median seconds", "90th percentile seconds"]
    assert rows[2][-4:] == ["5", "0", "50", "58"]
    assert "learners took a long time" in rows[2][11]


def test_too_few_timed_answers_flag_nothing_and_show_a_dash():
    record = _timed_record({"q1": [10, 10, 10, 10], "q2": [10, 10, 10, 10], "q3": [200, 200, 200, 200]})
    report = build_report(record, {})
    assert not any(item.timing.slow for item in report.analyses[0].items)  # 4 < 5 timed answers
    untimed = _timed_record({"q1": [None, None], "q2": [None, None], "q3": [None, None]})
    item = build_report(untimed, {}).analyses[0].items[0]
    assert (item.timing.timed, item.timing.untimed, math.isnan(item.timing.median)) == (0, 2, True)
    assert '<td class="num">—</td>' in render_html(build_report(untimed, {}), "en")


def test_classbook_attempts_keep_their_time(tmp_path):
    with Gradebook(tmp_path / "book.sqlite") as gradebook:
        gradebook.record_quiz_attempt("ann", attempt(1, [("q", [0], True)], started="2025-04-01T10:00:00+09:00"), "a")
        report = build_report(gradebook.load(), {})
    assert report.analyses[0].items[0].timing.median == 10.0
