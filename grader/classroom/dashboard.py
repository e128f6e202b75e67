"""The dashboard at the top of the class report: heatmap, learners at risk, pass rates over time.

Built from the gradebook snapshot (``ClassRecord``: the roster's sections and
folders in ``people``, every grading in ``history``) and the learner rows of
``grader.classroom.report``; rendered by ``templates/report.html``.

Heatmap
    One row per learner, one column per check (grouped by exercise, each group
    led by the exercise's score) and one per quiz.  A check cell shows a
    symbol as well as a colour (✓ passed, ✗ failed, ⊘ failed because of
    another exercise's file, – not attempted, blank: no submission), so it
    reads without colour and to a screen reader.  Scores are percentages of
    the maximum.
Total
    The weighted total of ``grader.classroom.totals`` (the course file's
    weights over the items due so far, an item not handed in counting 0,
    late penalties taken off); with no course file every exercise and quiz
    weighs 1.  Exercise and quiz cells say "late" for late work.
At risk
    A learner is listed, with every reason that applies, when

    - nothing of theirs was graded: no folder, nothing in it, or only files
      with problems ("nothing gradable", as in the CSV files' status);
    - their total is below ``AT_RISK_TOTAL`` (50 %);
    - an exercise was graded ``AT_RISK_GRADINGS`` (3) times or more and never
      passed (every grading counts, earlier ones too).
Pass rates over time
    For each day with a grading (the grader's clock, in the report machine's
    time zone) and each exercise: the share of the class (every learner of the
    report) whose latest grading of the exercise by the end of that day passed
    every check.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from grader.classroom.gradebook import stored_moment
from grader.grading.results import Status
from grader.text import Text

if TYPE_CHECKING:
    from grader.classroom.gradebook import ClassRecord, HistoryRow
    from grader.classroom.report import ClassReport, ExerciseColumn, LearnerRow, QuizColumn

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

AT_RISK_TOTAL = 0.5  # a total below this share of the maximum puts a learner at risk
AT_RISK_GRADINGS = 3  # gradings of one exercise without a pass that put a learner at risk
SCORE_BANDS = 5  # colour bands of a percentage cell: 0-19 %, 20-39 %, ..., 80-100 %
BLOCKED = "blocked"  # a failed check whose cause is another exercise's file (CheckRow.blocked_by)

# a check cell: (css class, symbol); the words are in UI
CHECK_CELLS = {
    Status.PASSED: ("hp", "✓"),
    Status.FAILED: ("hf", "✗"),
    Status.NOT_ATTEMPTED: ("ht", "–"),
    BLOCKED: ("hb", "⊘"),
    "": ("hn", ""),
}


@dataclass(frozen=True)
class ExerciseCells:
    """One learner's cells for one exercise: the score and each check's status (``""``: no submission)."""

    score: float | None  # fraction of the maximum, None when not submitted
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class HeatmapRow:
    """One learner's row of the heatmap."""

    learner: LearnerRow
    shown_name: str  # the roster's full name, else the folder name
    section: str  # "" when the roster gives none
    total: float | None  # fraction of the maximum, None when nothing was graded
    exercises: tuple[ExerciseCells, ...]
    quizzes: tuple[float | None, ...]


@dataclass(frozen=True)
class AtRisk:
    """A learner to look after, and why."""

    learner: LearnerRow
    shown_name: str
    total: float | None
    reasons: tuple[Text, ...]


@dataclass(frozen=True)
class PassRates:
    """One exercise's pass rate on each day of ``Dashboard.days``."""

    exercise: int
    passed: tuple[int, ...]  # learners whose latest grading by the end of the day passed


@dataclass(frozen=True)
class Dashboard:
    """Everything the top of the report shows."""

    rows: tuple[HeatmapRow, ...]
    sections: tuple[str, ...]  # the roster's sections, sorted; "" stands for "no section"
    at_risk: tuple[AtRisk, ...]
    days: tuple[date, ...]
    pass_rates: tuple[PassRates, ...]
    class_size: int


def _fraction(points: float, maximum: float) -> float:
    return points / maximum if maximum else 0.0


def _day(stamp: str) -> date | None:
    """The local day of a stored ISO 8601 time (UTC when it names no zone); None when it is not a time."""
    moment = stored_moment(stamp)
    if moment is None:
        return None
    try:
        return moment.astimezone().date()
    except (OverflowError, ValueError, OSError):  # year 1 or 9999 shifted out of range
        return None


def _pass_rates(
    history: Sequence[HistoryRow], exercises: Sequence[int], names: set[str]
) -> tuple[tuple[date, ...], tuple[PassRates, ...]]:
    """The days with a grading, and per exercise the learners whose latest grading by each day passed."""
    by_day: dict[int, dict[date, list[tuple[str, bool]]]] = {number: {} for number in exercises}
    for row in history:  # oldest first per learner and exercise: a later verdict replaces an earlier one
        day = _day(row.graded_at)
        if day is not None and row.learner in names and row.exercise in by_day:
            by_day[row.exercise].setdefault(day, []).append((row.learner, row.passed))
    days = tuple(sorted({day for verdicts in by_day.values() for day in verdicts}))
    series = []
    for number in exercises:
        latest: dict[str, bool] = {}
        passed = []
        for day in days:
            latest.update(by_day[number].get(day, ()))
            passed.append(sum(latest.values()))
        series.append(PassRates(number, tuple(passed)))
    return days, tuple(series)


def _failed_gradings(history: Sequence[HistoryRow]) -> dict[tuple[str, int], int]:
    """Gradings per (learner, exercise) for those never passed."""
    counts: dict[tuple[str, int], int] = {}
    passed: set[tuple[str, int]] = set()
    for row in history:
        key = (row.learner, row.exercise)
        counts[key] = counts.get(key, 0) + 1
        if row.passed:
            passed.add(key)
    return {key: count for key, count in counts.items() if key not in passed}


def build_dashboard(
    record: ClassRecord,
    learners: Sequence[LearnerRow],
    exercises: Sequence[ExerciseColumn],
    quizzes: Sequence[QuizColumn],
) -> Dashboard:
    """The heatmap rows, the learners at risk and the pass rates, from the report's learners and the record."""
    maximum = sum(column.max_score for column in exercises) + sum(column.max_score for column in quizzes)
    failed_gradings = _failed_gradings(record.history)
    rows = []
    at_risk = []
    for learner in learners:
        person = record.people.get(learner.name)
        shown_name = (person.full_name if person else None) or learner.name
        exercise_cells = []
        for column in exercises:
            submission = learner.submissions.get(column.number)
            if submission is None:
                exercise_cells.append(ExerciseCells(None, ("",) * len(column.checks)))
                continue
            statuses = {
                check.name: BLOCKED if check.status == Status.FAILED and check.blocked_by else check.status
                for check in submission.checks
            }
            exercise_cells.append(
                ExerciseCells(
                    _fraction(submission.score, column.max_score),
                    tuple(statuses.get(check.name, "") for check in column.checks),
                )
            )
        quiz_cells = tuple(
            _fraction(learner.best[column.number].score, learner.best[column.number].max_score)
            if column.number in learner.best
            else None
            for column in quizzes
        )
        graded = bool(learner.submissions or learner.best)
        weighted = learner.total  # percent, None when nothing counts
        if not graded:
            total = None
        elif weighted is not None:
            total = weighted / 100
        else:  # nothing due yet: the points there are
            total = _fraction(learner.exercise_points + learner.quiz_points, maximum)
        rows.append(
            HeatmapRow(
                learner=learner,
                shown_name=shown_name,
                section=(person.section or "") if person else "",
                total=total,
                exercises=tuple(exercise_cells),
                quizzes=quiz_cells,
            )
        )
        reasons = []
        if person is not None and not person.has_folder:
            reasons.append(UI["risk_no_folder"])
        elif not graded:
            reasons.append(
                UI["risk_nothing_gradable"] if learner.status == "nothing gradable" else UI["risk_nothing_graded"]
            )
        if total is not None and total < AT_RISK_TOTAL:
            reasons.append(UI["risk_low_total"].format(total=percent_text(total), limit=percent_text(AT_RISK_TOTAL)))
        for column in exercises:
            count = failed_gradings.get((learner.name, column.number), 0)
            if count >= AT_RISK_GRADINGS:
                reasons.append(UI["risk_never_passed"].format(exercise=column.number, count=count))
        if reasons:
            at_risk.append(AtRisk(learner, shown_name, total, tuple(reasons)))
    # nothing graded first, then the lowest totals; the report's order among equals
    at_risk.sort(key=lambda entry: -1.0 if entry.total is None else entry.total)
    names = {learner.name for learner in learners}
    days, pass_rates = _pass_rates(record.history, [column.number for column in exercises], names)
    return Dashboard(
        rows=tuple(rows),
        sections=tuple(sorted({row.section for row in rows}, key=lambda section: (section == "", section))),
        at_risk=tuple(at_risk),
        days=days,
        pass_rates=pass_rates,
        class_size=len(learners),
    )


def percent_text(value: float | None) -> str:
    """A share as a whole percentage (``0.425`` -> ``43%``); ``—`` when there is none."""
    return "—" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def band(value: float | None) -> str:
    """The css class of a percentage cell: ``s0`` (0-19 %) to ``s4`` (80-100 %), ``hn`` for none."""
    if value is None or math.isnan(value):
        return "hn"
    return f"s{min(SCORE_BANDS - 1, max(0, int(value * SCORE_BANDS + 1e-9)))}"


# --- the chart -----------------------------------------------------------------------------------


def pass_rate_svg(
    series: PassRates, days: Sequence[date], class_size: int, label: str, lang: str, *, width: int = 260
) -> Markup:
    """A small inline SVG line chart of one exercise's pass rate by day (0-100 %).

    Parameters
    ----------
    series : PassRates
        Learners passed on each of ``days``.
    class_size : int
        The denominator of every share.
    label : str
        The chart's name, for screen readers (the table next to it has the numbers).
    """
    height = 130
    left, right, top, bottom = 34, 12, 10, 26
    plot_width, plot_height = width - left - right, height - top - bottom
    shares = [count / class_size if class_size else 0.0 for count in series.passed]
    last = percent_text(shares[-1]) if shares else "—"
    summary = UI["chart_summary"].format(label=label, share=last)(lang)
    parts = [
        f'<svg class="passrate" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(summary)}">',
        f"<title>{escape(summary)}</title>",
    ]
    for tick in (0, 50, 100):
        y = top + plot_height * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" class="tick end">{tick}%</text>')

    def x_of(position: int) -> float:
        return left + (plot_width * position / (len(days) - 1) if len(days) > 1 else plot_width / 2)

    points = [(x_of(position), top + plot_height * (1 - share)) for position, share in enumerate(shares)]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" class="line"/>')
    for (x, y), day, count, share in zip(points, days, series.passed, shares, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot">'
            f"<title>{day.isoformat()}: {percent_text(share)} ({count}/{class_size})</title></circle>"
        )
    if days:
        parts.append(f'<text x="{left}" y="{height - 6}" class="tick">{days[0].isoformat()}</text>')
        if len(days) > 1:
            parts.append(
                f'<text x="{left + plot_width}" y="{height - 6}" class="tick end">{days[-1].isoformat()}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


UI: dict[str, Text] = {
    "heatmap": Text("Heatmap", "ヒートマップ"),
    "exercise": Text("Exercise", "課題"),
    "heatmap_intro": Text(
        "One row per learner: the total, each exercise's score followed by its checks "
        "(✓ passed, ✗ failed, ⊘ failed because of another exercise's file, – not attempted, blank: no submission), "
        "and each quiz's best attempt. "
        "Scores are percentages of the maximum. Sort with the column buttons; a name opens the learner's page.",
        "受講者ごとに 1 行: 合計、各課題の得点とそのチェック(✓ 合格、✗ 不合格、⊘ ほかの課題のファイルが原因で不合格、"
        "– 未着手、空欄: 未提出)、"
        "各確認テストの最高得点。得点は満点に対する割合です。列のボタンで並べ替え、名前で受講者のページを開きます。",
    ),
    "legend": Text("Legend", "凡例"),
    "cell_passed": Text("passed", "合格"),
    "cell_failed": Text("failed", "不合格"),
    "cell_not_attempted": Text("not attempted", "未着手"),
    "cell_missing": Text("no submission", "未提出"),
    "cell_blocked": Text("failed because of another exercise's file", "ほかの課題のファイルが原因で不合格"),
    "filter_name": Text("Filter by name", "名前で絞り込む"),
    "filter_section": Text("Section", "クラス"),
    "all_sections": Text("all sections", "すべてのクラス"),
    "no_section": Text("no section", "クラスなし"),
    "section": Text("Section", "クラス"),
    "shown": Text("{shown} of {total} learners shown", "{total} 人中 {shown} 人を表示"),
    "sort_by": Text("sort by {column}", "{column}で並べ替え"),
    "total_percent": Text("Total", "合計"),
    "heatmap_caption": Text("Learners by check and quiz", "受講者 × チェック・確認テスト"),
    "at_risk": Text("Learners at risk", "要注意の受講者"),
    "at_risk_intro": Text(
        "Listed with every reason that applies: nothing graded, a total below {limit}, or an exercise graded "
        "{gradings} times or more without passing.",
        "該当する理由をすべて示します: 採点対象がない、合計が {limit} 未満、"
        "または同じ課題を {gradings} 回以上採点されて一度も全合格していない。",
    ),
    "nobody_at_risk": Text("Nobody is at risk.", "要注意の受講者はいません。"),
    "risk_no_folder": Text("no submission: no folder", "未提出: フォルダがありません"),
    "risk_nothing_graded": Text("no submission: nothing graded", "未提出: 採点されたものがありません"),
    "risk_nothing_gradable": Text(
        "nothing gradable: only files with problems", "採点できるものがありません: 問題のあるファイルだけです"
    ),
    "risk_low_total": Text("total {total} (below {limit})", "合計 {total}({limit} 未満)"),
    "risk_never_passed": Text(
        "exercise {exercise}: graded {count} times, never passed", "課題 {exercise}: {count} 回採点、全合格なし"
    ),
    "reasons": Text("Reasons", "理由"),
    "pass_rates": Text("Pass rates over time", "合格率の推移"),
    "pass_rates_intro": Text(
        "For each day with gradings: the share of the class ({size} learners) whose latest grading of the exercise "
        "by then passed every check.",
        "採点のあった日ごとに、その日までの最新の採点で全チェックに合格していた受講者の割合"
        "(クラス {size} 人に対する割合)。",
    ),
    "no_history": Text("No exercise has been graded yet.", "まだ採点された課題がありません。"),
    "pass_rate_table": Text("The numbers as a table", "数値の表"),
    "day": Text("Day", "日付"),
    "chart_summary": Text("{label}: pass rate by day, latest {share}", "{label}: 日ごとの合格率、最新 {share}"),
    "learner_pages": Text(
        "Choose a learner in the heatmap or the list below to see their grades and feedback.",
        "ヒートマップまたは下の一覧から受講者を選ぶと、得点とフィードバックを表示します。",
    ),
    "back_to_heatmap": Text("Back to the heatmap", "ヒートマップに戻る"),
    "scroll_heatmap": Text("Heatmap (scrolls sideways)", "ヒートマップ(横にスクロールできます)"),
    "graded_item": Text("Exercise or quiz", "課題・確認テスト"),
}


# --- the page ---------------------------------------------------------------------------------------


@cache
def _script() -> str:
    return (TEMPLATES / "report.js").read_text(encoding="utf-8")


def content_security_policy(script: str) -> str:
    """The report's policy: its one inline script, inline styles, the embedded font; nothing loaded.

    Inline style attributes draw the share bars, so styles can not be pinned
    by hash; a script can, and no other (injected or loaded) runs.
    """
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return "; ".join(
        [
            "default-src 'none'",
            "style-src 'unsafe-inline'",
            "font-src data:",
            f"script-src 'sha256-{digest}'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def labels(lang: str) -> dict[str, str]:
    """The dashboard's words in ``lang``, for the template's ``t``."""
    return {key: value(lang) for key, value in UI.items()}


def page_context(report: ClassReport, lang: str) -> dict[str, object]:
    """What ``templates/report.html`` needs for the dashboard, in ``lang``."""
    from grader.classroom.gradebook import ClassRecord

    dashboard = report.dashboard
    if dashboard is None:  # a report built by hand: no roster, no history
        dashboard = build_dashboard(ClassRecord((), (), (), {}), report.learners, report.exercises, report.quizzes)
    words = labels(lang)
    cell_kinds = {
        status: (css, symbol, words[f"cell_{'missing' if not status else status}"])
        for status, (css, symbol) in CHECK_CELLS.items()
    }
    script = _script()
    return {
        "dashboard": dashboard,
        "has_sections": any(dashboard.sections),
        "cell_kinds": cell_kinds,
        "band": band,
        "rows_of": {row.learner.name: row for row in dashboard.rows},
        "sections_of": {row.learner.name: row.section for row in dashboard.rows},
        "at_risk_intro": UI["at_risk_intro"].format(limit=percent_text(AT_RISK_TOTAL), gradings=AT_RISK_GRADINGS)(lang),
        "pass_rates_intro": UI["pass_rates_intro"].format(size=dashboard.class_size)(lang),
        "pass_rate_charts": {
            series.exercise: pass_rate_svg(
                series, dashboard.days, dashboard.class_size, f"{UI['exercise'](lang)} {series.exercise}", lang
            )
            for series in dashboard.pass_rates
        },
        "script": Markup(script),
        "csp": content_security_policy(script),
    }
