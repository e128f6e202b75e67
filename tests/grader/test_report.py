"""The class report: what it computes, the HTML page (golden files, self-contained, in Chromium), the CSV files.

Golden files live in tests/grader/golden/. After an intended change to the
report, regenerate them and review the diff:

    GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_report.py
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import math
import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from classbook import HINT, attempt, make_result, synthetic_class
from click.testing import CliRunner

from grader.classroom.gradebook import AnswerRow, AttemptRow, ClassRecord, Gradebook, Person
from grader.classroom.report import build_report, render_html, write_csvs, write_report
from grader.cli import main
from grader.grading.engine import grade_exercise
from grader.grading.results import Status
from grader.quiz.bank import load_bank

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN = HERE / "golden"
REGENERATE = os.environ.get("GRADE_REGENERATE_GOLDEN") == "1"
GENERATED = "2025-04-01T09:00:00+09:00"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

TINY_EN = """+++
title = "Tiny quiz"
+++

## What softmax sums to {#softmax-sum}
What do the outputs of softmax sum to, for one input vector?

- [ ] 0
- [x] 1
- [ ] $N$, the number of classes
- [ ] it depends on the input

> Each output is divided by the sum of all of them.

## Output width {#output-width}
A 6×6 input, a 2×2 filter, stride 1, padding 1: how wide is the output?

= 7

> $(6 + 2 - 2) / 1 + 1 = 7$.

## Activation functions {#activations}
Which of these are activation functions?

- [x] ReLU
- [x] sigmoid
- [ ] im2col

> im2col rearranges an input for convolution.
"""

TINY_JA = """+++
title = "小テスト"
+++

## softmax の和 {#softmax-sum}
1 つの入力ベクトルに対する softmax の出力の和はいくつですか。

- [ ] 0
- [x] 1
- [ ] クラス数 $N$
- [ ] 入力による

> 各出力をすべての出力の和で割っています。

## 出力の幅 {#output-width}
6×6 の入力、2×2 のフィルタ、ストライド 1、パディング 1 の出力の幅は。

= 7

> $(6 + 2 - 2) / 1 + 1 = 7$。

## 活性化関数 {#activations}
活性化関数はどれですか。

- [x] ReLU
- [x] sigmoid
- [ ] im2col

> im2col は畳み込みのために入力を並べ替えます。
"""

# first attempts: the hand-worked matrix of test_itemstats (rows ann..erin, columns the three questions)
#          softmax-sum        output-width   activations
FIRST = {
    "ann": [("softmax-sum", [1], True), ("output-width", 7.0, True), ("activations", [0, 1], True)],
    "bob": [("softmax-sum", [1], True), ("output-width", 7.0, True), ("activations", [0], False)],
    "carol": [("softmax-sum", [1], True), ("output-width", 8.0, False), ("activations", [0, 2], False)],
    "dave": [("softmax-sum", [3], False), ("output-width", 7.0, True), ("activations", [1], False)],
    "erin": [("softmax-sum", [0], False), ("output-width", 8.0, False), ("activations", [2], False)],
}


@pytest.fixture(scope="module")
def tiny_bank(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("quizzes")
    for lang, text in (("en", TINY_EN), ("ja", TINY_JA)):
        (root / lang).mkdir()
        (root / lang / "01-tiny.md").write_text(text, encoding="utf-8")
    bank, errors = load_bank(root)
    assert not errors, errors
    return root, bank


def fill_tiny_class(gradebook: Gradebook) -> None:
    """Four learners with exercises 1 and 2, five with quiz 1, one with only a problem."""
    ex1 = {
        "ann": [Status.PASSED] * 3,
        "bob": [Status.PASSED, Status.FAILED, Status.FAILED],
        "carol": [Status.FAILED, Status.FAILED, Status.NOT_ATTEMPTED],
    }
    ex2 = {
        "ann": [Status.NOT_ATTEMPTED] * 2,
        "bob": [Status.PASSED, Status.FAILED],
        "carol": [Status.PASSED, Status.PASSED],
        "dave": [Status.FAILED, Status.FAILED],
    }
    other_hint = HINT.format()  # the same text: counted together
    for learner, statuses in ex1.items():
        gradebook.record_exercise(learner, 1, "ex01_activations.py", f"{learner}-1", make_result(1, statuses))
    for learner, statuses in ex2.items():
        hints = [other_hint, None] if learner == "dave" else None
        gradebook.record_exercise(
            learner, 2, "ex02_softmax_loss.py", f"{learner}-2", make_result(2, statuses, hints=hints)
        )
    for day, (learner, answers) in enumerate(FIRST.items(), start=1):
        gradebook.record_quiz_attempt(learner, attempt(1, answers, started=f"2025-04-0{day}T10:00:00+09:00"), "first")
    # later attempts count for grades, never for the item statistics
    better = [("softmax-sum", [1], True), ("output-width", 7.0, True), ("activations", [0, 1], True)]
    gradebook.record_quiz_attempt("bob", attempt(1, better, started="2025-04-20T10:00:00+09:00"), "second")
    gradebook.record_quiz_attempt(
        "erin", attempt(1, better[:1], started="2025-04-21T10:00:00+09:00", review=True), "review"
    )
    gradebook.record_problem("frank", "ex01.py: not UTF-8 (save the file as UTF-8)")


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "gradebook.sqlite"
    with Gradebook(path) as gradebook:
        fill_tiny_class(gradebook)
    return path


def fixed_days(record: ClassRecord) -> ClassRecord:
    """The record with its gradings spread over 1-3 April 2025: the gradebook stamps them with the clock."""
    history = tuple(
        dataclasses.replace(row, graded_at=f"2025-04-{1 + position % 3:02d}T12:00:00+00:00")
        for position, row in enumerate(record.history)
    )
    return dataclasses.replace(record, history=history)


@pytest.fixture(scope="module")
def tiny_report(tiny_db, tiny_bank):
    with Gradebook(tiny_db) as gradebook:
        record = fixed_days(gradebook.load())
    return build_report(record, tiny_bank[1], generated=GENERATED, source="gradebook.sqlite")


# --- the model -------------------------------------------------------------------------------------


def test_learners_exercises_and_quizzes(tiny_report):
    assert [learner.name for learner in tiny_report.learners] == ["ann", "bob", "carol", "dave", "erin", "frank"]
    assert [(column.number, column.max_score, len(column.checks)) for column in tiny_report.exercises] == [
        (1, 3.0, 3),
        (2, 2.0, 2),
    ]
    (quiz,) = tiny_report.quizzes
    assert quiz.title("en") == "Tiny quiz"
    assert quiz.title("ja") == "小テスト"
    assert quiz.question_ids == ("softmax-sum", "output-width", "activations")
    frank = tiny_report.learners[-1]
    assert frank.problems == ("ex01.py: not UTF-8 (save the file as UTF-8)",)
    assert frank.submissions == {}


def test_grades_count_the_best_full_attempt(tiny_report):
    learners = {learner.name: learner for learner in tiny_report.learners}
    assert learners["bob"].best[1].score == 3.0  # the second attempt
    assert learners["bob"].attempts == {1: 2}
    assert learners["erin"].best[1].score == 0.0  # the review is not a full attempt
    assert learners["erin"].attempts == {1: 1}
    assert learners["bob"].exercise_points == 1.0 + 1.0
    assert learners["bob"].quiz_points == 3.0
    assert tiny_report.quiz_distributions[1].values == (1.0, 1.0, 1 / 3, 1 / 3, 0.0)


def test_the_misconception_map_ranks_checks_by_failed_learners(tiny_report):
    rows = [
        (row.column.exercise, row.column.name, row.failed, row.not_attempted, row.submitted)
        for row in tiny_report.misconceptions
    ]
    assert rows == [
        (1, "f1: check 1", ("bob", "carol"), (), 3),
        (2, "f1: check 1", ("bob", "dave"), ("ann",), 4),
        (1, "f0: check 0", ("carol",), (), 3),
        (1, "f2: check 2", ("bob",), ("carol",), 3),
        (2, "f0: check 0", ("dave",), ("ann",), 4),
    ]
    first = tiny_report.misconceptions[0]
    assert first.hints == ((HINT, 2),)
    assert first.failed_share == pytest.approx(2 / 3)
    # dave's second check had no hint: only bob's is counted
    assert tiny_report.misconceptions[1].hints == ((HINT, 1),)


def test_the_item_analysis_uses_first_attempts_and_moodles_statistics(tiny_report):
    (analysis,) = tiny_report.analyses
    stats = analysis.stats
    # the hand-worked values of test_itemstats
    assert stats.attempts == 5
    assert stats.cic == pytest.approx(15 / 26)
    assert stats.standard_error == pytest.approx(math.sqrt(0.55))
    assert not stats.reliable
    facility = [item.stats.facility for item in analysis.items]
    assert facility == pytest.approx([0.6, 0.6, 0.2])
    assert [item.stats.efficiency for item in analysis.items] == pytest.approx([0.375, 0.375, 1.0])
    assert [item.kind for item in analysis.items] == ["single", "numeric", "multiple"]
    assert [item.random_guess for item in analysis.items] == pytest.approx([0.25, 0.0, 1 / 7])
    assert [item.group_difference for item in analysis.items] == [1.0, 1.0, 1.0]


def test_distractors_shares_and_flags(tiny_report):
    softmax, width, activations = tiny_report.analyses[0].items
    # upper group: ann (total 3); lower group: erin (total 0)
    shares = [(option.stats.chosen, option.stats.upper, option.stats.lower) for option in softmax.options]
    assert shares == [pytest.approx(row) for row in [(0.2, 0, 1), (0.6, 1, 0), (0, 0, 0), (0.2, 0, 0)]]
    assert [option.correct for option in softmax.options] == [False, True, False, False]
    assert softmax.options[1].texts == {"en": "1", "ja": "1"}
    assert [flag.en for flag in softmax.options[2].flags] == [
        "nobody chose this distractor: replace it with a likely mistake"
    ]
    assert [flag.en for flag in softmax.flags] == [
        "option c: nobody chose this distractor: replace it with a likely mistake"
    ]
    assert [(answer.value, answer.stats.chosen) for answer in width.wrong_numbers] == [(8.0, pytest.approx(0.4))]
    im2col = activations.options[2]
    assert (im2col.stats.chosen, im2col.stats.upper, im2col.stats.lower) == pytest.approx((0.4, 0, 1))
    assert not im2col.flags


def test_a_distractor_the_stronger_learners_choose_is_flagged():
    # ten learners; the five who get question b right also pick option 2 of question a, the key being 1
    attempts = []
    for index in range(10):
        strong = index < 5
        answers = (
            AnswerRow("a", [2] if strong else [1], not strong, None),
            AnswerRow("b", [0], strong, None),
            AnswerRow("c", [0], strong, None),
        )
        attempts.append(AttemptRow(f"l{index}", 1, "01-x", "en", False, "2025", "2025", 0, 3, answers))
    report = build_report(ClassRecord(tuple(f"l{i}" for i in range(10)), (), tuple(attempts), {}), None)
    item = report.analyses[0].items[0]
    assert item.kind == "choice"  # no bank: the kind is only known to be a choice
    assert math.isnan(item.random_guess)
    reasons = " | ".join(flag.en for flag in item.flags)
    assert "negative discrimination index" in reasons
    assert "option c: stronger learners chose it more than weaker ones (100% of the upper 27 %" in reasons


def test_a_quiz_missing_from_the_bank_is_analysed_on_ids(tiny_db):
    with Gradebook(tiny_db) as gradebook:
        report = build_report(gradebook.load(), {}, generated=GENERATED)
    (quiz,) = report.quizzes
    assert quiz.title("en") == "01-test"
    assert quiz.question_ids == ("softmax-sum", "output-width", "activations")
    assert [item.kind for item in report.analyses[0].items] == ["choice", "numeric", "choice"]
    assert render_html(report, "en")


def test_text_from_learners_is_escaped_in_the_page_and_defused_in_the_csv(tmp_path):
    # attempt files and folder names come from learners; the gradebook refuses such ids, the report escapes them anyway
    hostile = "<img src=x onerror=alert(1)>"
    answers = (AnswerRow(hostile, [0], True, None), AnswerRow("b", [1], False, None))
    attempts = (AttemptRow("=HYPERLINK(1)", 1, "<b>slug</b>", "en", False, "", "", 1, 2, answers),)
    record = ClassRecord(("=HYPERLINK(1)",), (), attempts, {"=HYPERLINK(1)": ("@SUM(A1) " + hostile,)})
    report = build_report(record, {}, generated=GENERATED)
    html = render_html(report, "en")
    assert hostile not in html
    assert "<b>slug</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    write_csvs(report, tmp_path)
    header, row = read_csv(tmp_path / "learners.csv")
    assert row[0] == "'=HYPERLINK(1)"
    assert row[-1].startswith("'@SUM")
    assert read_csv(tmp_path / "grades.csv")[1][0] == "'=HYPERLINK(1)"


# --- the page -----------------------------------------------------------------------------------------


class _Elements(HTMLParser):
    """Collects start tags with their attributes, and checks that every element closes."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "path", "circle"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.open, f"</{tag}> closes nothing"
        assert self.open[-1] == tag, f"</{tag}> closes <{self.open[-1]}>"
        self.open.pop()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_page_is_self_contained_and_well_formed(tiny_report, lang):
    html = render_html(tiny_report, lang)
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert parser.open == []
    tags = [tag for tag, _ in parser.tags]
    # one inline script (sorting and filtering the heatmap), nothing loaded: test_dashboard checks its CSP hash
    assert [attributes for tag, attributes in parser.tags if tag == "script"] == [{}]
    for tag, attributes in parser.tags:
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            assert not value or value.startswith("#"), f"<{tag} {name}={value!r}> would load something"
    # only XML namespaces mention a URL; the font is embedded
    assert set(re.findall(r"https?://[^\s\"')]+", html)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1998/Math/MathML",
    }
    assert f'<html lang="{lang}">' in html
    # two histograms, a sparkline per exercise and quiz, a pass-rate chart per exercise
    assert tags.count("svg") == 2 + 2 * len(tiny_report.exercises) + len(tiny_report.quizzes)
    ids = [attributes["id"] for _, attributes in parser.tags if "id" in attributes]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for anchor in (
        "heatmap",
        "at-risk",
        "pass-rates",
        "overview",
        "misconceptions",
        "items",
        "learners",
        "learner-1",
        "row-learner-1",
        "quiz-1",
        "quiz-1-softmax-sum",
    ):
        assert anchor in ids


def test_the_page_speaks_the_language_asked_for(tiny_report):
    english, japanese = render_html(tiny_report, "en"), render_html(tiny_report, "ja")
    assert "Misconception map" in english
    assert HINT.en in english
    assert "つまずきマップ" in japanese
    assert HINT.ja in japanese
    assert "f1: 確認 1" in japanese
    assert "参考値: 最初の受験が 5 件(30 件未満)" in japanese
    assert "unreliable: 5 first attempts (fewer than 30)" in english
    assert "<math" in english  # $N$ became MathML


def test_histogram_bins_include_both_ends():
    from grader.classroom.report import Distribution, _bins, histogram_svg

    # 0 and 0.05 in the first tenth, 0.3 (0.1 * 3 in floating point) in the fourth, 1.0 in the last
    assert _bins([0.0, 0.05, 0.1 * 3, 0.999, 1.0]) == [2, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    svg = histogram_svg(Distribution((0.0, 1.0, 1.0)), "scores", "en")
    assert svg.count('class="bar"') == 10
    assert 'aria-label="scores: 3 learners, mean 67%, median 100%"' in svg


def _golden_text(html: str) -> str:
    """The page with the embedded font replaced by its hash, so golden files stay small and readable."""

    def digest(match: re.Match[str]) -> str:
        return f"base64,<{hashlib.sha256(match.group(1).encode()).hexdigest()[:16]}>"

    return re.sub(r"base64,([A-Za-z0-9+/=]{200,})", digest, html)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_page_matches_the_golden_file(tiny_report, lang):
    path = GOLDEN / f"report-{lang}.html"
    actual = _golden_text(render_html(tiny_report, lang))
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
        pytest.skip(f"regenerated {path.relative_to(ROOT)}; review the diff and commit it")
    if not path.exists():
        pytest.fail(f"no golden file {path.name}; create it with GRADE_REGENERATE_GOLDEN=1 python -m pytest {__file__}")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), "golden/" + path.name, "rendered"
            )
        )
        pytest.fail(
            f"the report differs from {path.name}; if intended, regenerate: "
            f"GRADE_REGENERATE_GOLDEN=1 python -m pytest tests/grader/test_report.py\n{diff[:6000]}"
        )


# --- CSV --------------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "a byte-order mark, for spreadsheet programs"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_learners_csv_has_a_column_per_check_and_per_question(tiny_report, tmp_path):
    write_csvs(tiny_report, tmp_path)
    header, *rows = read_csv(tmp_path / "learners.csv")
    assert header == [
        "learner", "exercises total", "exercises max", "quizzes total", "quizzes max", "weighted total (%)",
        "ex01 total", "ex01 late", "ex01 f0: check 0", "ex01 f1: check 1", "ex01 f2: check 2",
        "ex02 total", "ex02 late", "ex02 f0: check 0", "ex02 f1: check 1",
        "quiz01 total", "quiz01 late", "quiz01 softmax-sum", "quiz01 output-width", "quiz01 activations",
        "problems",
    ]  # fmt: skip
    by_name = {row[0]: row for row in rows}
    assert len(rows) == 6
    # weighted total without a course file: every item weight 1, (1/3 + 1/2 + 3/3) / 3; no deadline, no late mark
    assert by_name["bob"] == [
        "bob", "2", "5", "3", "3", "61.1111", "1", "", "1", "0", "0", "1", "", "1", "0", "3", "", "1", "1", "1", "",
    ]  # fmt: skip
    # dave never handed in exercise 1: empty, not 0
    assert by_name["dave"][6:11] == ["", "", "", "", ""]
    assert by_name["erin"][15:20] == ["0", "", "0", "0", "0"]
    assert by_name["frank"][-1] == "ex01.py: not UTF-8 (save the file as UTF-8)"


def test_grades_csv_is_one_column_per_grade_item(tiny_report, tmp_path):
    write_csvs(tiny_report, tmp_path)
    header, *rows = read_csv(tmp_path / "grades.csv")
    assert header == [
        "learner",
        "Exercise 1 (max 3)",
        "Exercise 2 (max 2)",
        "Quiz 1 (max 3)",
        "Exercises total (max 5)",
        "Quizzes total (max 3)",
        "Weighted total (%)",
        "Late",
    ]
    # weighted total without a course file: the mean of the three items' fractions, 0 for one not handed in
    assert rows == [
        ["ann", "3", "0", "3", "3", "3", "66.6667", ""],
        ["bob", "1", "1", "3", "2", "3", "61.1111", ""],
        ["carol", "0", "2", "1", "2", "1", "44.4444", ""],
        ["dave", "", "0", "1", "0", "1", "11.1111", ""],
        ["erin", "", "", "0", "", "0", "0", ""],
        ["frank", "", "", "", "", "", "0", ""],
    ]


def test_items_and_misconceptions_csv(tiny_report, tmp_path):
    written = write_csvs(tiny_report, tmp_path)
    assert [path.name for path in written] == [
        "learners.csv", "grades.csv", "moodle-grades.csv", "canvas-grades.csv", "items.csv", "misconceptions.csv",
    ]  # fmt: skip
    header, *items = read_csv(tmp_path / "items.csv")
    assert header[:5] == ["quiz", "question", "kind", "first attempts", "facility"]
    assert [row[1] for row in items] == ["softmax-sum", "output-width", "activations"]
    assert items[0][4] == "0.6"
    assert items[0][10] == "no"
    assert "option c: nobody chose" in items[0][11]
    header, *rows = read_csv(tmp_path / "misconceptions.csv")
    # the last two columns: learners blocked by another exercise's file, crashes without a hint
    assert rows[0] == ["1", "f1: check 1", "2", "0", "3", HINT.en, "0", ""]


# --- the command -----------------------------------------------------------------------------------------


def test_grade_report_writes_the_page_and_the_csv_files(tiny_db, tiny_bank, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(tiny_bank[0]))
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--db",
            str(tiny_db),
            "--html",
            str(tmp_path / "html"),
            "--csv",
            str(tmp_path / "csv"),
            "--lang",
            "ja",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "html" / "report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    assert sorted(path.name for path in (tmp_path / "csv").iterdir()) == [
        "canvas-grades.csv",
        "grades.csv",
        "items.csv",
        "learners.csv",
        "misconceptions.csv",
        "moodle-grades.csv",
    ]
    assert "受講者 6 人" in result.output


def test_grade_report_without_a_gradebook_says_how_to_make_one(tmp_path):
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "none.sqlite"), "--html", str(tmp_path)])
    assert result.exit_code == 2
    assert "grade batch CLASS_DIR --db" in result.output


def test_grade_report_needs_an_output(tiny_db):
    result = CliRunner().invoke(main, ["report", "--db", str(tiny_db)])
    assert result.exit_code == 2
    assert "--html DIR" in result.output


def test_grade_report_on_a_broken_gradebook_exits_3(tmp_path):
    broken = tmp_path / "gradebook.sqlite"
    broken.write_text("not a database, a CSV perhaps\n" * 200)
    result = CliRunner().invoke(main, ["report", "--db", str(broken), "--csv", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "not a usable gradebook" in result.output


# --- real gradings -----------------------------------------------------------------------------------------


def test_a_really_graded_bug_reaches_the_misconception_map_with_its_hint(tmp_path):
    solution = (ROOT / "solutions" / "ex01_activations.py").read_text(encoding="utf-8")
    bug = (ROOT / "tests" / "submissions" / "ex01" / "bug_relu_in_place.py").read_text(encoding="utf-8")
    files = {"good": solution, "buggy": solution + "\n\n" + bug}
    database = tmp_path / "gradebook.sqlite"
    with Gradebook(database) as gradebook:
        for learner, source in files.items():
            path = tmp_path / learner / "ex01_activations.py"
            path.parent.mkdir()
            path.write_text(source, encoding="utf-8")
            gradebook.record_exercise(learner, 1, path.name, learner, grade_exercise(1, path))
        report = build_report(gradebook.load(), {}, generated=GENERATED)
    top = report.misconceptions[0]
    assert top.column.name.startswith("relu")
    assert top.failed == ("buggy",)
    assert top.hints, "the relu check gives a hint"
    html = render_html(report, "en")
    assert top.hints[0][0].en.replace("'", "&#39;").replace('"', "&#34;") in html


# --- a class of 200 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def class_of_200(tmp_path_factory) -> Path:
    bank, errors = load_bank()
    if len({number for number, _ in bank}) < 10:
        pytest.skip(f"the quiz bank has fewer than 10 quizzes that load ({len(errors)} errors)")
    path = tmp_path_factory.mktemp("class") / "gradebook.sqlite"
    synthetic_class(path, bank, learners=200)
    return path


def test_a_class_of_200_reports_every_learner_check_and_question(class_of_200, tmp_path):
    # how long it takes is measured by bench/bench_batch.py, not asserted here
    started = time.perf_counter()
    written, report, seconds = write_report(class_of_200, html_dir=tmp_path, csv_dir=tmp_path, lang="en")
    elapsed = time.perf_counter() - started
    assert len(report.learners) == 200
    assert len(report.exercises) == 5
    assert sum(len(column.checks) for column in report.exercises) >= 60
    assert len(report.quizzes) == 10
    header = read_csv(tmp_path / "learners.csv")[0]
    checks = sum(len(column.checks) for column in report.exercises)
    questions = sum(len(column.question_ids) for column in report.quizzes)
    # learner, 4 point totals, the weighted total; per exercise and quiz its total and late mark; problems
    assert len(header) == 6 + 2 * 5 + checks + 2 * 10 + questions + 1
    # the synthetic learners have an ability: the statistics come out as in a real class
    for analysis in report.analyses:
        assert analysis.stats.reliable
        assert analysis.stats.cic > 0.5
        assert all(item.stats.discrimination > 0 for item in analysis.items)
    assert seconds <= elapsed


# --- in a browser -----------------------------------------------------------------------------------------

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

needs_playwright = pytest.mark.skipif(
    sync_playwright is None,
    reason="the playwright Python package is not installed (pip install -e '.[test]' installs it)",
)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it when it can)",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def open_page(browser, path: Path):
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    return page, requests, errors


@needs_playwright
@needs_chromium
def test_the_class_report_in_chromium(browser, dashboard_of_200):
    page, requests, errors = open_page(browser, dashboard_of_200)
    try:
        assert page.title() == "Class report"
        assert page.locator("#learner-count").inner_text() == "200"
        # every histogram bar is drawn: the overview's two charts have bars of positive height
        heights = page.eval_on_selector_all("svg.histogram rect.bar", "bars => bars.map(b => b.getBBox().height)")
        assert len(heights) == 20
        assert sum(heights) > 0
        assert page.locator("svg.histogram").first.bounding_box()["width"] > 300
        # the misconception map: 200 learners per exercise, ranked
        failed = page.eval_on_selector_all(
            ".misconception-map tbody tr td:nth-child(3)", "cells => cells.map(c => parseInt(c.innerText))"
        )
        assert failed == sorted(failed, reverse=True)
        # the navigation; a learner's page opens from the heatmap, and only then
        page.click("nav a[href='#learners']")
        assert page.url.endswith("#learners")
        assert not page.locator("#learner-1").is_visible()
        page.click("#row-learner-1 th a")
        assert page.url.endswith("#learner-1")
        assert page.locator("#learner-1").is_visible()
        assert not page.locator("#learner-2").is_visible()
        feedback = page.locator("#learner-1 details.feedback").first
        assert not feedback.locator("ul.checks").is_visible()
        feedback.locator("summary").click()
        assert feedback.locator("ul.checks").is_visible()
        assert feedback.locator(".status").first.inner_text() in ("PASS", "FAIL", "TODO")
        # the distractor table of a choice question opens and shows the options' shares
        distractors = page.locator("details.distractors", has=page.locator("td", has_text="✓")).first
        distractors.locator("xpath=ancestor::details[contains(@class, 'quiz-analysis')]/summary").click()
        distractors.locator("summary").click()
        assert distractors.locator("tbody tr").count() >= 2
        assert "%" in distractors.locator("tbody tr td:nth-child(3)").first.inner_text()
        # MathML renders as math, not as TeX source
        assert page.locator("math").count() > 0
        assert "\\frac" not in page.locator("body").inner_text()
    finally:
        page.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests


@needs_playwright
@needs_chromium
def test_the_japanese_report_in_chromium(browser, tiny_db, tiny_bank, tmp_path):
    with Gradebook(tiny_db) as gradebook:
        report = build_report(gradebook.load(), tiny_bank[1], generated=GENERATED)
    (tmp_path / "report.html").write_text(render_html(report, "ja"), encoding="utf-8")
    page, requests, errors = open_page(browser, tmp_path / "report.html")
    try:
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("#misconceptions h2").inner_text() == "つまずきマップ"
        assert page.locator(".unreliable").first.is_visible()
        assert HINT.ja in page.locator(".misconception-map").inner_text()
    finally:
        page.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests


# --- the dashboard in a browser -----------------------------------------------------------------------

SECTIONS = ("A", "B", None)  # learner-001 in A, learner-002 in B, learner-003 in none, ...


def with_sections(record: ClassRecord) -> ClassRecord:
    """The record with a roster section for each learner, as ``grade batch --roster`` stores them."""
    people = {
        name: Person(name, section=SECTIONS[position % len(SECTIONS)], in_roster=True)
        for position, name in enumerate(record.learners)
    }
    return dataclasses.replace(record, people=people)


@pytest.fixture(scope="module")
def dashboard_of_200(class_of_200, tmp_path_factory) -> Path:
    """The English report of the class of 200, with sections, as a file."""
    bank, _ = load_bank()
    with Gradebook(class_of_200) as gradebook:
        report = build_report(with_sections(gradebook.load()), bank, generated=GENERATED)
    path = tmp_path_factory.mktemp("dashboard") / "report.html"
    path.write_text(render_html(report, "en"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dashboard_of_60(class_of_200, tmp_path_factory) -> Path:
    """The English report of the first 60 learners of the class, exercises 1 and 2 and quizzes 1-3, with sections."""
    bank, _ = load_bank()
    with Gradebook(class_of_200) as gradebook:
        record = with_sections(gradebook.load())
    names = set(record.learners[:60])
    record = dataclasses.replace(
        record,
        learners=record.learners[:60],
        submissions=tuple(row for row in record.submissions if row.learner in names and row.exercise <= 2),
        attempts=tuple(row for row in record.attempts if row.learner in names and row.quiz <= 3),
        history=tuple(row for row in record.history if row.learner in names and row.exercise <= 2),
        problems={name: found for name, found in record.problems.items() if name in names},
    )
    path = tmp_path_factory.mktemp("dashboard") / "report.html"
    path.write_text(render_html(build_report(record, bank, generated=GENERATED), "en"), encoding="utf-8")
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


HEATMAP_GEOMETRY = """() => {
    const wrap = document.querySelector('.heatmap-wrap');
    const box = element => element.getBoundingClientRect();
    const name = document.querySelector('#heatmap-table tbody tr th.name');
    const check = document.querySelector('#heatmap-table tbody tr td:nth-child(20)');
    const header = document.querySelector('#heatmap-table thead th:nth-child(3)');
    return {wrapLeft: box(wrap).left, wrapTop: box(wrap).top, nameLeft: box(name).left, checkLeft: box(check).left,
            headerTop: box(header).top, firstRowTop: box(name).top};
}"""


@needs_playwright
@needs_chromium
def test_the_dashboard_fits_the_screen_and_keeps_names_and_headers_in_view(browser, dashboard_of_200, tmp_path):
    page, requests, errors = open_page(browser, dashboard_of_200)
    try:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            page.evaluate("window.scrollTo(0, 0); document.querySelector('.heatmap-wrap').scrollTo(0, 0)")
            height = page.evaluate("document.documentElement.scrollHeight")
            # 200 learners: 179,004 px at 1280 before the dashboard (every learner's grades on one page), 11,060 after
            assert height < (15_000 if width == 1280 else 30_000)
            # the page is as wide as the screen: only the heatmap's own container scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") == width
            assert page.evaluate("(w => w.scrollWidth > w.clientWidth)(document.querySelector('.heatmap-wrap'))")
            shot = tmp_path / f"dashboard-{width}.png"
            page.screenshot(path=str(shot))
            assert png_size(shot) == (width, 800)
            assert page.locator("#heatmap-table thead th").first.is_visible()
            before = page.evaluate(HEATMAP_GEOMETRY)
            name = page.locator("#heatmap-table tbody tr th.name").first.bounding_box()
            cells = page.locator("#heatmap-table tbody tr td:nth-child(3)").first.bounding_box()
            names_before = page.screenshot(clip=name)
            cells_before = page.screenshot(clip=cells)
            page.evaluate("document.querySelector('.heatmap-wrap').scrollBy(600, 0)")
            sideways = page.evaluate(HEATMAP_GEOMETRY)
            assert sideways["checkLeft"] == pytest.approx(before["checkLeft"] - 600, abs=1)  # it did scroll
            assert sideways["nameLeft"] == before["nameLeft"]  # the name column did not
            # and on the screen: the same pixels where the name is, others where the cells were
            assert page.screenshot(clip=name) == names_before
            assert page.screenshot(clip=cells) != cells_before
            page.evaluate("document.querySelector('.heatmap-wrap').scrollBy(0, 3000)")
            down = page.evaluate(HEATMAP_GEOMETRY)
            assert down["firstRowTop"] < down["wrapTop"]  # learner-001 went up out of the container ...
            assert down["headerTop"] == pytest.approx(down["wrapTop"], abs=2)  # ... and the header row stayed
            assert down["nameLeft"] == before["nameLeft"]
    finally:
        page.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests


def visible_rows(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#heatmap-table tbody tr:not([hidden])",
        "rows => rows.map(r => ({name: r.cells[0].innerText.trim(), section: r.dataset.section,"
        " total: r.cells[2].dataset.v === undefined ? null : parseFloat(r.cells[2].dataset.v)}))",
    )


@needs_playwright
@needs_chromium
def test_the_heatmap_sorts_and_filters_from_the_keyboard(browser, dashboard_of_60):
    page, requests, errors = open_page(browser, dashboard_of_60)
    try:
        reached = []
        for _ in range(40):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.id || document.activeElement.innerText"))
            if reached[-1].startswith("Total"):
                break
        # the name filter, the section filter, then the sort buttons, in that order
        assert reached.index("name-filter") < reached.index("section-filter") < reached.index("Learner")
        assert reached[-1].startswith("Total")
        outline = page.evaluate(
            "(s => [s.outlineStyle, parseFloat(s.outlineWidth)])(getComputedStyle(document.activeElement))"
        )
        assert outline[0] != "none"
        assert outline[1] >= 2  # focus is visible
        header = page.locator("#heatmap-table thead th", has=page.locator("button", has_text="Total"))
        page.keyboard.press("Enter")
        assert header.get_attribute("aria-sort") == "ascending"
        totals = [row["total"] for row in visible_rows(page)]
        assert len(totals) == 60
        assert totals == sorted(totals)
        page.keyboard.press(" ")
        assert header.get_attribute("aria-sort") == "descending"
        totals = [row["total"] for row in visible_rows(page)]
        assert totals == sorted(totals, reverse=True)
        assert totals[0] > totals[-1]
        # the section filter: learner-002, -005, ... are in B
        page.focus("#section-filter")
        page.select_option("#section-filter", "s:B")
        rows = visible_rows(page)
        assert {row["section"] for row in rows} == {"s:B"}
        assert len(rows) == 20
        assert page.locator("#shown-count").inner_text() == "20 of 60 learners shown"
        page.select_option("#section-filter", "s:")  # no section
        assert {row["name"] for row in visible_rows(page)} == {f"learner-{n:03d}" for n in range(3, 61, 3)}
        page.select_option("#section-filter", "all")
        page.fill("#name-filter", "LEARNER-01")
        assert sorted(row["name"] for row in visible_rows(page)) == [f"learner-{n:03d}" for n in range(10, 20)]
        # sorting by name keeps the filter
        page.fill("#name-filter", "")
        page.locator("#heatmap-table thead button", has_text="Learner").click()
        names = [row["name"] for row in visible_rows(page)]
        assert names == [f"learner-{n:03d}" for n in range(1, 61)]
    finally:
        page.close()
    assert errors == []


@needs_playwright
@needs_chromium
@pytest.mark.parametrize(
    ("lang", "width", "anchor"),
    [
        pytest.param("en", 1280, "learner-2", id="en-1280-a-learner"),
        pytest.param("ja", 375, "quiz-1-softmax-sum", id="ja-375-a-question"),
    ],
)
def test_the_report_has_no_accessibility_violations(browser, tiny_db, tiny_bank, tmp_path, lang, width, anchor):
    from axe_playwright_python.sync_playwright import Axe

    with Gradebook(tiny_db) as gradebook:
        report = build_report(with_sections(gradebook.load()), tiny_bank[1], generated=GENERATED)
    (tmp_path / "report.html").write_text(render_html(report, lang), encoding="utf-8")
    page, requests, errors = open_page(browser, tmp_path / "report.html")
    try:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{(tmp_path / 'report.html').as_uri()}#{anchor}")
        # a learner's page, or a question inside a closed quiz analysis, is shown by its anchor
        assert page.locator(f"#{anchor}").is_visible()
        results = Axe().run(page, options={"resultTypes": ["violations", "passes"]})
        # the rules that matter for the heatmap ran and passed (axe on the class of 200 takes minutes)
        passed = {rule["id"] for rule in results.response["passes"]}
        assert {"color-contrast", "button-name", "th-has-data-cells", "aria-allowed-attr"} <= passed
        found = [
            f"{violation['id']}: {violation['help']}: {[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
        ]
        assert found == [], "\n".join(found)
    finally:
        page.close()
    assert errors == []


@needs_playwright
@needs_chromium
def test_long_names_sections_and_problems_do_not_widen_the_page_on_a_phone(browser, tiny_db, tiny_bank, tmp_path):
    # a roster and a folder can hold anything: names and sections of 300 characters without a space
    with Gradebook(tiny_db) as gradebook:
        record = gradebook.load()
    people = {"ann": Person("ann", full_name="N" * 300, section="S" * 300, in_roster=True)}
    record = dataclasses.replace(record, people=people, problems={"ann": ("P" * 600,)})
    (tmp_path / "report.html").write_text(render_html(build_report(record, tiny_bank[1]), "en"), encoding="utf-8")
    page, requests, errors = open_page(browser, tmp_path / "report.html")
    try:
        page.set_viewport_size({"width": 375, "height": 800})
        for anchor in ("heatmap", "learner-1"):  # the heatmap with its section filter; ann's own page
            page.goto(f"{(tmp_path / 'report.html').as_uri()}#{anchor}")
            assert page.locator(f"#{anchor}").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") == 375, anchor  # 2712 and 5748 px before
    finally:
        page.close()
    assert errors == []
