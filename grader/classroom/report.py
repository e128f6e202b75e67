"""The class report: one self-contained HTML page and CSV files, built from a gradebook.

``grade report --html DIR --csv DIR`` reads the gradebook in one transaction
(``Gradebook.load``), turns it into a ``ClassReport`` here and renders it with
``templates/report.html``. The page needs no network: styles are inline, the
charts are inline SVG, the math font of the quiz pages is embedded, and its one
script (``templates/report.js``: sorting and filtering) is inline and pinned by
a Content-Security-Policy hash.

What the page holds
-------------------
- the dashboard (``grader.classroom.dashboard``): a heatmap of learners and
  checks, sortable and filterable by section, the learners at risk and each
  exercise's pass rate over time;
- class overview: learners, score distributions (SVG histograms), mean and
  median per exercise and per quiz;
- the misconception map: every check ranked by how many learners failed it,
  with the hints they were given (see ``_misconceptions`` for what is not
  counted there: failures another exercise's file caused, and crashes);
- quiz item analysis from each learner's first full attempt (Moodle's
  statistics, see ``grader.classroom.itemstats``), the distractors, and the questions to
  review with the reason; fewer than 30 attempts are marked unreliable;
- every learner, on a page of their own (shown by its anchor, opened from the
  heatmap): score per exercise and quiz, problems with their folder, and the
  full feedback of every check.

Quiz grades count each learner's best full attempt (as ``grade list`` shows);
the item analysis uses the first, as Moodle's report does by default.

CSV files
---------
``learners.csv``     one row per learner; a column per check and per quiz
                     question, plus totals (points; empty when not submitted)
``grades.csv``       one column identifying the learner and one per grade item,
                     the shape Moodle's "Import grades from CSV" (and Canvas,
                     Blackboard) map onto a gradebook
``items.csv``        the item statistics of every quiz question, with the time
                     learners took on it (``_timing``)
``misconceptions.csv`` the misconception map
When the gradebook was graded with a roster (``grade batch --roster``),
``learners.csv`` and ``grades.csv`` also have the roster's ``lms id``, ``full
name`` and ``section`` after ``learner``, and a last ``status`` column: ``no
submission`` for a learner with nothing graded and no quiz attempt (no folder,
or an empty one), ``nothing gradable`` when the folder held only files with
problems, and ``not in roster`` for a folder the roster does not name.
Files are UTF-8 with a byte-order mark, so spreadsheet programs read the
Japanese names; Moodle's importer drops the mark.

Learners name their folders and files, so a cell of any CSV file that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
apostrophe and can not run as a formula (OWASP's advice; a plain number such as
``-0.25`` is left alone).  An LMS import matches the learner column exactly
(Moodle: username, e-mail or ID number), so a learner whose folder name starts
with one of these characters will not match: rename the folder.  Text from the
gradebook is already cut and escaped (``grader.gradebook.stored_text``), and the
page is rendered with autoescaping.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import numpy as np
from markupsafe import Markup, escape

from grader.classroom import dashboard as dashboards
from grader.classroom import itemstats, similarity
from grader.classroom.coursefile import Course
from grader.classroom.dashboard import Dashboard, percent_text
from grader.classroom.gradebook import (
    MAX_SECONDS,
    AttemptRow,
    ClassRecord,
    Gradebook,
    Person,
    SimilarPair,
    SubmissionRow,
)
from grader.classroom.lms import canvas_csv_rows, moodle_csv_rows
from grader.classroom.roster import is_about_files
from grader.classroom.totals import GradeColumn, LearnerGrades, grade_columns, learner_grades
from grader.grading.engine import EXERCISES
from grader.grading.results import Status
from grader.text import Text

if TYPE_CHECKING:
    from grader.quiz.bank import Question, Quiz

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MATH_FONT = TEMPLATES / "quiz-math.woff2"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAX_OPTIONS = len(LETTERS)  # options a question can have: one letter each in the terminal quiz
HISTOGRAM_BINS = 10


# --- the model ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckColumn:
    """One check of an exercise, as it appears across the class."""

    exercise: int
    name: str
    name_ja: str
    max_score: float

    def title(self, lang: str) -> str:
        """The check's name in ``lang``."""
        return self.name_ja if lang == "ja" and self.name_ja else self.name


@dataclass(frozen=True)
class ExerciseColumn:
    """One exercise somebody submitted, with its checks in their order."""

    number: int
    title: Text
    max_score: float
    checks: tuple[CheckColumn, ...]


@dataclass(frozen=True)
class QuizColumn:
    """One quiz somebody took, with its question ids (the bank's order when the bank has it)."""

    number: int
    titles: dict[str, str]
    max_score: float
    question_ids: tuple[str, ...]
    quizzes: dict[str, Quiz]  # lang -> the bank's quiz, empty when the bank lacks it

    def title(self, lang: str) -> str:
        """The quiz title in ``lang`` (the slug when the bank does not have it)."""
        return self.titles.get(lang) or next(iter(self.titles.values()), f"{self.number:02d}")


@dataclass(frozen=True)
class Misconception:
    """One check and the learners who failed it."""

    column: CheckColumn
    failed: tuple[str, ...]
    not_attempted: tuple[str, ...]
    submitted: int  # learners whose submission of the exercise could run this check (blocked ones left out)
    hints: tuple[tuple[Text, int], ...]  # (hint, learners given it), most frequent first
    crashes: tuple[tuple[str, int], ...] = ()  # (kind of error no hint explains, learners), most frequent first
    blocked: tuple[str, ...] = ()  # learners whose check another exercise's file made fail: not counted

    @property
    def failed_share(self) -> float:
        """Failed learners over learners who submitted the exercise and could run the check."""
        return len(self.failed) / self.submitted if self.submitted else math.nan


@dataclass(frozen=True)
class BlockingExercise:
    """An exercise whose learners' files made checks of later exercises fail, counted once per learner."""

    exercise: int
    learners: tuple[str, ...]
    later: tuple[tuple[int, tuple[str, ...]], ...]  # (blocked exercise, its learners), in course order


@dataclass(frozen=True)
class ItemTiming:
    """Seconds learners spent on one question (first full attempts that recorded a time)."""

    timed: int
    untimed: int  # answers without a usable time (an old attempt file, a hand-edited one): left out
    median: float  # NaN when nothing was timed
    p90: float  # 90th percentile, linear interpolation (numpy.percentile's default)
    slow: bool  # the rule of _timing: a hint that the question confuses


@dataclass(frozen=True)
class OptionAnalysis:
    """One option of a choice question in the distractor analysis."""

    index: int
    correct: bool
    texts: dict[str, str]  # lang -> option source text
    stats: itemstats.OptionStatistics
    flags: tuple[Text, ...]


@dataclass(frozen=True)
class NumericAnswer:
    """A wrong number several learners typed."""

    value: float
    stats: itemstats.OptionStatistics


@dataclass(frozen=True)
class ItemAnalysis:
    """Statistics of one question of one quiz."""

    position: int
    question_id: str
    titles: dict[str, str]
    kind: str
    stats: itemstats.ItemStatistics
    random_guess: float
    group_difference: float
    options: tuple[OptionAnalysis, ...]
    no_answer: itemstats.OptionStatistics | None
    wrong_numbers: tuple[NumericAnswer, ...]
    flags: tuple[Text, ...]
    timing: ItemTiming | None = None

    def title(self, lang: str) -> str:
        """The question's title in ``lang`` (its id when the bank does not have it)."""
        return self.titles.get(lang) or self.question_id

    def title_html(self, lang: str) -> Markup:
        """The title as HTML: the bank's Markdown and math rendered; an id (from an attempt file) escaped."""
        if self.titles.get(lang):
            return _inline(self.titles[lang])
        return Markup(escape(self.question_id))


@dataclass(frozen=True)
class QuizAnalysis:
    """Item analysis of one quiz."""

    column: QuizColumn
    stats: itemstats.QuizStatistics
    items: tuple[ItemAnalysis, ...]


@dataclass(frozen=True)
class LearnerRow:
    """One learner's grades."""

    name: str
    anchor: str
    submissions: dict[int, SubmissionRow]
    best: dict[int, AttemptRow]
    attempts: dict[int, int]
    problems: tuple[str, ...]
    exercise_points: float
    quiz_points: float
    blocked: dict[int, int] = field(default_factory=dict)  # exercise -> the exercise to fix first
    grades: LearnerGrades = LearnerGrades({}, None)  # weighted total and lateness under the report's course

    @property
    def total(self) -> float | None:
        """The weighted total in percent (``grader.classroom.totals``); None when nothing counts."""
        return self.grades.total

    def late(self, kind: str, number: int) -> bool:
        """Whether the learner handed in exercise or quiz ``number`` late."""
        grade = self.grades.items.get((kind, number))
        return grade is not None and grade.lateness.late

    person: Person | None = None  # the roster's columns and has_folder, from the gradebook

    @property
    def status(self) -> str:
        """``no submission`` (no folder, or an empty one), ``nothing gradable`` (files, but only problems), or empty."""
        if self.submissions or self.best or self.attempts:
            return ""
        folder = self.person is None or self.person.has_folder
        # a folder the roster does not name is noted, but that says nothing of its files: an empty one has nothing
        about_files = any(is_about_files(problem, self.name) for problem in self.problems)
        return "nothing gradable" if folder and about_files else "no submission"


@dataclass(frozen=True)
class Distribution:
    """Scores of one exercise or quiz (or a total) over the learners who have one, as fractions."""

    values: tuple[float, ...]

    @property
    def count(self) -> int:
        """Learners with a score."""
        return len(self.values)

    @property
    def mean(self) -> float:
        """Mean fraction, NaN when nobody has a score."""
        return statistics.fmean(self.values) if self.values else math.nan

    @property
    def median(self) -> float:
        """Median fraction, NaN when nobody has a score."""
        return statistics.median(self.values) if self.values else math.nan


@dataclass(frozen=True)
class ClassReport:
    """Everything the page and the CSV files show, in both languages."""

    learners: tuple[LearnerRow, ...]
    exercises: tuple[ExerciseColumn, ...]
    quizzes: tuple[QuizColumn, ...]
    exercise_distributions: dict[int, Distribution]
    quiz_distributions: dict[int, Distribution]
    exercise_total: Distribution
    quiz_total: Distribution
    misconceptions: tuple[Misconception, ...]
    analyses: tuple[QuizAnalysis, ...]
    problems: int
    generated: str
    source: str = ""
    bank_errors: tuple[str, ...] = ()  # quiz files left out of the bank, each "path:line: what is wrong"
    course: Course = field(default_factory=Course)  # weights, due items, deadlines, late policy
    columns: tuple[GradeColumn, ...] = ()  # the grade items: the gradebook's and the due ones nobody handed in
    people: dict[str, Person] = field(default_factory=dict)  # the roster's LMS id, full name, section per learner
    course_line: Text = Text("", "")  # which course was used, for the command's output
    blockers: tuple[BlockingExercise, ...] = ()  # exercises whose files made later ones fail
    similar: tuple[SimilarPair, ...] = ()  # grade similarity's pairs (ClassRecord.similar)
    similarity_run: str | None = None  # and its run's settings (JSON), None before any run
    dashboard: Dashboard | None = None  # heatmap, learners at risk, pass rates (grader.classroom.dashboard)

    @property
    def exercise_max(self) -> float:
        """Points of every exercise in the gradebook together."""
        return sum(column.max_score for column in self.exercises)

    @property
    def quiz_max(self) -> float:
        """Points of every quiz in the gradebook together."""
        return sum(column.max_score for column in self.quizzes)


# --- building the model ------------------------------------------------------------------------


def _natural(name: str) -> list:
    """Sort key that puts learner-2 before learner-10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _exercise_columns(submissions: Sequence[SubmissionRow]) -> tuple[ExerciseColumn, ...]:
    by_exercise: dict[int, list[SubmissionRow]] = {}
    for submission in submissions:
        by_exercise.setdefault(submission.exercise, []).append(submission)
    columns = []
    for number in sorted(by_exercise):
        rows = by_exercise[number]
        # the order of the checks: the submission with the most checks first, then any name it lacks
        ordered: dict[str, CheckColumn] = {}
        for submission in sorted(rows, key=lambda row: -len(row.checks)):
            for check in submission.checks:
                if check.name not in ordered:
                    ordered[check.name] = CheckColumn(number, check.name, check.name_ja, check.max_score)
        known = EXERCISES.get(number)
        title = known.title if known else Text(f"Exercise {number}", f"課題 {number}")
        columns.append(
            ExerciseColumn(
                number=number,
                title=title,
                max_score=max(row.max_score for row in rows),
                checks=tuple(ordered.values()),
            )
        )
    return tuple(columns)


def _quiz_columns(attempts: Sequence[AttemptRow], bank: dict[tuple[int, str], Quiz] | None) -> tuple[QuizColumn, ...]:
    numbers = sorted({attempt.quiz for attempt in attempts})
    columns = []
    for number in numbers:
        quizzes = {lang: quiz for (quiz_number, lang), quiz in (bank or {}).items() if quiz_number == number}
        if quizzes:
            any_quiz = next(iter(quizzes.values()))
            question_ids = tuple(question.id for question in any_quiz.questions)
            titles = {lang: quiz.title for lang, quiz in quizzes.items()}
            max_score = float(len(question_ids))
        else:
            seen: dict[str, None] = {}
            for attempt in attempts:
                if attempt.quiz == number:
                    seen.update((answer.question_id, None) for answer in attempt.answers)
            question_ids = tuple(seen)
            slugs = [attempt.slug for attempt in attempts if attempt.quiz == number and attempt.slug]
            titles = {"en": slugs[0], "ja": slugs[0]} if slugs else {}
            full = [attempt.max_score for attempt in attempts if attempt.quiz == number and not attempt.review]
            max_score = max(full, default=float(len(question_ids)))
        columns.append(QuizColumn(number, titles, max_score, question_ids, quizzes))
    return tuple(columns)


def _fraction(attempt: AttemptRow) -> float:
    return attempt.score / attempt.max_score if attempt.max_score else 0.0


def _culprit(value: object, exercise: int) -> int | None:
    """A stored ``blocked_by``, if it names another exercise (a hand-edited gradebook may hold anything)."""
    if isinstance(value, int) and not isinstance(value, bool) and value != exercise and 0 < value <= 9999:
        return value
    return None


def _blocked_checks(submission: SubmissionRow) -> dict[str, int]:
    """Check name -> the exercise whose file made it fail, for the failed checks of ``submission``.

    Each check row says it (``blocked_by``, gradebook schema 3); a submission
    that says it only as a whole (``submissions.blocked_by``) has every failed
    check blocked by that exercise.
    """
    found = {}
    for check in submission.checks:
        culprit = _culprit(check.blocked_by, submission.exercise)
        if culprit is not None and check.status == Status.FAILED:
            found[check.name] = culprit
    whole = _culprit(submission.blocked_by, submission.exercise)
    if not found and whole is not None:
        found = {check.name: whole for check in submission.checks if check.status == Status.FAILED}
    return found


def _misconceptions(
    exercises: Sequence[ExerciseColumn], submissions: Sequence[SubmissionRow]
) -> tuple[Misconception, ...]:
    """Every check with the learners who failed it, ranked by how many did.

    What counts as a misconception of a check, and what does not:

    - a failure another exercise's file caused (``blocked_by``: exercise 3's
      checks failing because ex01_activations.py is the stub or does not
      import) is not this check's: the learner is listed in ``blocked``, left
      out of ``failed`` and of the learners the share is taken over, and counted
      once under the exercise to fix (``_blockers``);
    - a failure by an exception, a time-out or a crash that no hint of the check
      explains (``crash``: the engine's generic "the last lines name the line
      that failed" is advice, not a misconception) is a failure, counted in
      ``failed``, but its generic text is not shown as a hint: it is grouped in
      ``crashes`` by its kind (``ValueError``, ``timeout``), shown as
      "crashed: ValueError".  A check that recognised the error (its own
      ``error_hint``) keeps that hint.
    """
    failed: dict[tuple[int, str], list[str]] = {}
    todo: dict[tuple[int, str], list[str]] = {}
    blocked: dict[tuple[int, str], list[str]] = {}
    hints: dict[tuple[int, str], Counter] = {}
    crashes: dict[tuple[int, str], Counter] = {}
    submitted: Counter = Counter()
    for submission in submissions:
        submitted[submission.exercise] += 1
        culprits = _blocked_checks(submission)
        for check in submission.checks:
            key = (submission.exercise, check.name)
            if check.name in culprits:
                blocked.setdefault(key, []).append(submission.learner)
            elif check.status == Status.FAILED:
                failed.setdefault(key, []).append(submission.learner)
                if check.crash:
                    crashes.setdefault(key, Counter())[check.crash] += 1
                elif check.hint_en or check.hint_ja:
                    hints.setdefault(key, Counter())[Text(check.hint_en or "", check.hint_ja or "")] += 1
            elif check.status == Status.NOT_ATTEMPTED:
                todo.setdefault(key, []).append(submission.learner)
    rows = []
    for position, column in enumerate(check for exercise in exercises for check in exercise.checks):
        key = (column.exercise, column.name)
        rows.append(
            (
                position,
                Misconception(
                    column=column,
                    failed=tuple(sorted(failed.get(key, []), key=_natural)),
                    not_attempted=tuple(sorted(todo.get(key, []), key=_natural)),
                    submitted=submitted[column.exercise] - len(blocked.get(key, [])),
                    hints=tuple(hints.get(key, Counter()).most_common()),
                    crashes=tuple(crashes.get(key, Counter()).most_common()),
                    blocked=tuple(sorted(blocked.get(key, []), key=_natural)),
                ),
            )
        )
    # most learners failed first; among equals, the course order
    rows.sort(key=lambda pair: (-len(pair[1].failed), pair[0]))
    return tuple(row for _, row in rows)


def _blockers(submissions: Sequence[SubmissionRow]) -> tuple[BlockingExercise, ...]:
    """Per exercise, the learners whose file of it made later exercises' checks fail: each learner once."""
    by_culprit: dict[int, dict[int, set[str]]] = {}
    for submission in submissions:
        for culprit in set(_blocked_checks(submission).values()):
            by_culprit.setdefault(culprit, {}).setdefault(submission.exercise, set()).add(submission.learner)
    found = []
    for culprit, later in sorted(by_culprit.items()):
        learners = set().union(*later.values())
        found.append(
            BlockingExercise(
                culprit,
                tuple(sorted(learners, key=_natural)),
                tuple((number, tuple(sorted(names, key=_natural))) for number, names in sorted(later.items())),
            )
        )
    return tuple(found)


def _learner_blocked(submissions: dict[int, SubmissionRow]) -> dict[int, int]:
    """Exercise -> the lowest-numbered exercise whose file made some of its checks fail (fix that first)."""
    found = {}
    for number, submission in submissions.items():
        culprits = set(_blocked_checks(submission).values())
        if culprits:
            found[number] = min(culprits)
    return found


# a question is "slow" when learners took far longer on it than on the quiz's other questions
SLOW_FACTOR = 2.0
SLOW_EXTRA_SECONDS = 20.0
SLOW_MIN_TIMED = 5
SLOW_MIN_QUESTIONS = 3


def _seconds(value: object) -> float | None:
    if not _is_number(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) and 0 <= number <= MAX_SECONDS else None


def _timing(ids: Sequence[str], first: Sequence[AttemptRow]) -> dict[str, ItemTiming]:
    """Time per question from the first full attempts (those the item statistics use).

    Each question gets the median and the 90th percentile of the seconds
    learners spent on it; an answer without a usable time (none recorded, not a
    number from 0 to ``MAX_SECONDS``) is left out and counted as untimed.

    The rule for "slow", a hint of a confusing question: with at least
    ``SLOW_MIN_QUESTIONS`` (3) questions of the quiz timed, a question answered
    with a time by at least ``SLOW_MIN_TIMED`` (5) learners is slow when its
    median is at least ``SLOW_FACTOR`` (2) times the quiz's typical time (the
    median of its questions' medians) and at least ``SLOW_EXTRA_SECONDS`` (20 s)
    above it.
    """
    times: dict[str, list[float]] = {question_id: [] for question_id in ids}
    untimed: Counter = Counter()
    for attempt in first:
        answered = {answer.question_id: answer for answer in attempt.answers}
        for question_id in ids:
            answer = answered.get(question_id)
            if answer is None:
                continue
            seconds = _seconds(answer.seconds)
            if seconds is None:
                untimed[question_id] += 1
            else:
                times[question_id].append(seconds)
    medians = {qid: float(np.median(values)) for qid, values in times.items() if values}
    typical = statistics.median(medians.values()) if len(medians) >= SLOW_MIN_QUESTIONS else math.nan
    found = {}
    for question_id in ids:
        values = times[question_id]
        median = medians.get(question_id, math.nan)
        slow = (
            not math.isnan(typical)
            and len(values) >= SLOW_MIN_TIMED
            and median >= SLOW_FACTOR * typical
            and median - typical >= SLOW_EXTRA_SECONDS
        )
        found[question_id] = ItemTiming(
            timed=len(values),
            untimed=untimed[question_id],
            median=median,
            p90=float(np.percentile(values, 90)) if values else math.nan,
            slow=slow,
        )
    return found


def _slow_flag(timing: ItemTiming, typical: float) -> Text:
    return Text(
        f"learners took a long time: median {timing.median:.0f} s against {typical:.0f} s for a typical question "
        "of this quiz; is the wording confusing, or does it need a calculation nobody practised?",
        f"解答に時間がかかっています: 中央値 {timing.median:.0f} 秒(この確認テストの典型的な問題は {typical:.0f} 秒)。"
        "問題文がわかりにくいか、練習していない計算が必要ではありませんか",
    )


def _first_attempts(attempts: Sequence[AttemptRow]) -> dict[int, list[AttemptRow]]:
    """Each learner's first full (not review) attempt per quiz; ``attempts`` come oldest first."""
    first: dict[tuple[int, str], AttemptRow] = {}
    for attempt in attempts:
        if not attempt.review:
            first.setdefault((attempt.quiz, attempt.learner), attempt)
    by_quiz: dict[int, list[AttemptRow]] = {}
    for (quiz, _), attempt in sorted(first.items(), key=lambda pair: (pair[0][0], _natural(pair[0][1]))):
        by_quiz.setdefault(quiz, []).append(attempt)
    return by_quiz


def _chosen_indices(chosen: object) -> set[int]:
    """The option numbers of an answer; numbers no question can have (from a hand-edited file) are left out."""
    values = chosen if isinstance(chosen, list) else [chosen]
    return {
        value
        for value in values[:MAX_OPTIONS]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_OPTIONS
    }


def _item_flags(stats: itemstats.ItemStatistics, guess: float, attempts: int) -> list[Text]:
    flags: list[Text] = []
    if attempts < 2:
        return flags
    if not math.isnan(stats.discrimination) and stats.discrimination < 0:
        flags.append(
            Text(
                f"negative discrimination index ({percent_text(stats.discrimination)}): learners who did well on "
                "the rest of the quiz got it wrong more often; check the answer key and the wording",
                f"識別指数が負({percent_text(stats.discrimination)}): ほかの問題の成績がよい受講者ほど誤答しています。"
                "正答の設定と問題文を確認してください",
            )
        )
    elif not math.isnan(stats.efficiency) and stats.efficiency < itemstats.DUBIOUS_EFFICIENCY:
        flags.append(
            Text(
                f"discriminative efficiency {percent_text(stats.efficiency)} is below 15 % (Moodle's threshold): "
                "the question hardly separates stronger from weaker learners",
                f"識別効率 {percent_text(stats.efficiency)} が 15 % 未満(Moodle の基準): "
                "理解している受講者とそうでない受講者をほとんど区別できていません",
            )
        )
    if not math.isnan(guess) and not math.isnan(stats.facility) and guess > 0 and stats.facility <= guess:
        flags.append(
            Text(
                f"facility {percent_text(stats.facility)} is no better than guessing ({percent_text(guess)}): "
                "is the key right, or was the topic never understood?",
                f"正答率 {percent_text(stats.facility)} が当て推量({percent_text(guess)})以下です。"
                "正答の設定が正しいか、内容が理解されているかを確認してください",
            )
        )
    elif not math.isnan(stats.facility) and stats.facility <= 0.05:
        flags.append(
            Text(
                f"almost nobody answered it right (facility {percent_text(stats.facility)}): "
                "check the key, or re-teach the topic",
                f"ほとんど誰も正答していません(正答率 {percent_text(stats.facility)})。"
                "正答の設定を確認するか、再度教えてください",
            )
        )
    return flags


def _option_flags(correct: bool, stats: itemstats.OptionStatistics, attempts: int) -> list[Text]:
    if attempts < 2:
        return []
    flags = []
    if not correct and stats.chosen == 0:
        flags.append(
            Text(
                "nobody chose this distractor: replace it with a likely mistake",
                "この誤答選択肢は誰も選んでいません。ありがちな誤りに置き換えてください",
            )
        )
    if not correct and stats.upper > stats.lower:
        flags.append(
            Text(
                f"stronger learners chose it more than weaker ones ({percent_text(stats.upper)} of the upper "
                f"27 % against {percent_text(stats.lower)} of the lower): is it also right, or ambiguous?",
                f"成績上位 27 % の {percent_text(stats.upper)} が選び、下位 27 % の {percent_text(stats.lower)} "
                "より多く選ばれています。これも正しい、またはあいまいではありませんか",
            )
        )
    if correct and stats.upper < stats.lower:
        flags.append(
            Text(
                f"the key was chosen less by the upper 27 % ({percent_text(stats.upper)}) than by the lower "
                f"({percent_text(stats.lower)}): check the key",
                f"正答が上位 27 %({percent_text(stats.upper)})より下位 27 %({percent_text(stats.lower)})"
                "に多く選ばれています。正答の設定を確認してください",
            )
        )
    return flags


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choice_options(
    column: QuizColumn,
    question_id: str,
    question: Question | None,
    responses: Sequence[object],
    upper: np.ndarray,
    lower: np.ndarray,
) -> tuple[OptionAnalysis, ...]:
    """Distractor analysis of a choice question: each option's share, overall and in the 27 % groups."""
    attempts = len(responses)
    if not attempts:
        return ()
    picked = [_chosen_indices(response) for response in responses]
    count = len(question.options) if question is not None else 0
    count = max([count, *(max(found) + 1 for found in picked if found)])
    matrix = np.zeros((attempts, count), dtype=bool)
    for row, found in enumerate(picked):
        for option in found:
            if 0 <= option < count:
                matrix[row, option] = True
    options = []
    for option, stats in enumerate(itemstats.option_statistics(matrix, upper, lower)):
        correct = question is not None and option in question.correct_indices
        texts = {}
        for lang, quiz in column.quizzes.items():
            translated = quiz.question(question_id).options
            if option < len(translated):
                texts[lang] = translated[option].text
        options.append(OptionAnalysis(option, correct, texts, stats, tuple(_option_flags(correct, stats, attempts))))
    return tuple(options)


def _wrong_numbers(
    responses: Sequence[object], marks: np.ndarray, upper: np.ndarray, lower: np.ndarray
) -> tuple[NumericAnswer, ...]:
    """The three wrong numbers typed most often (to 6 significant digits), with their shares."""

    def rounded(value: object) -> float | None:
        if not _is_number(value):
            return None
        try:
            number = float(f"{value:.6g}")
        except OverflowError:  # an integer too large for a float
            return None
        return number if math.isfinite(number) else None

    values = [rounded(response) for response in responses]
    wrong = Counter(value for value, mark in zip(values, marks, strict=True) if value is not None and mark == 0)
    found = []
    for value, _ in wrong.most_common(3):
        matrix = np.array([[candidate == value] for candidate in values], dtype=bool)
        found.append(NumericAnswer(value, itemstats.option_statistics(matrix, upper, lower)[0]))
    return tuple(found)


def _analyse_quiz(column: QuizColumn, first: Sequence[AttemptRow]) -> QuizAnalysis:
    """Item analysis of one quiz from each learner's first full attempt."""
    ids = column.question_ids
    index = {question_id: position for position, question_id in enumerate(ids)}
    # a question missing from an attempt (added to the quiz later) scores 0, Moodle's first option
    marks = np.zeros((len(first), len(ids)))
    chosen: list[dict[str, object]] = []
    for row, attempt in enumerate(first):
        answers: dict[str, object] = {}
        for answer in attempt.answers:
            if answer.question_id in index:
                marks[row, index[answer.question_id]] = 1.0 if answer.correct else 0.0
                answers[answer.question_id] = answer.chosen
        chosen.append(answers)
    per_item = itemstats.item_statistics(marks)
    upper, lower = itemstats.extreme_groups(marks.sum(axis=1))
    attempts = len(first)
    reference = next(iter(column.quizzes.values()), None)
    timings = _timing(ids, first)
    medians = [timing.median for timing in timings.values() if timing.timed]
    typical = statistics.median(medians) if medians else math.nan
    items = []
    for position, question_id in enumerate(ids):
        question = reference.question(question_id) if reference is not None else None
        responses = [answers.get(question_id) for answers in chosen]
        if question is not None:
            kind = question.kind
            guess = itemstats.random_guess_score(kind, len(question.options), len(question.correct_indices))
        elif any(_is_number(response) for response in responses):
            kind, guess = "numeric", 0.0
        else:
            kind, guess = "choice", math.nan
        options: tuple[OptionAnalysis, ...] = ()
        wrong_numbers: tuple[NumericAnswer, ...] = ()
        if kind == "numeric":
            wrong_numbers = _wrong_numbers(responses, marks[:, position], upper, lower)
        else:
            options = _choice_options(column, question_id, question, responses, upper, lower)
        unanswered = np.array([[response is None or response == []] for response in responses], dtype=bool)
        no_answer = itemstats.option_statistics(unanswered, upper, lower)[0] if attempts else None
        stats = per_item[position]
        flags = _item_flags(stats, guess, attempts)
        for option in options:
            letter = LETTERS[option.index] if option.index < len(LETTERS) else str(option.index + 1)
            flags.extend(Text(f"option {letter}: {flag.en}", f"選択肢 {letter}: {flag.ja}") for flag in option.flags)
        if timings[question_id].slow:
            flags.append(_slow_flag(timings[question_id], typical))
        items.append(
            ItemAnalysis(
                position=position + 1,
                question_id=question_id,
                titles={lang: quiz.question(question_id).title for lang, quiz in column.quizzes.items()},
                kind=kind,
                stats=stats,
                random_guess=guess,
                group_difference=itemstats.group_difference(marks[:, position], upper, lower),
                options=options,
                no_answer=no_answer,
                wrong_numbers=wrong_numbers,
                flags=tuple(flags),
                timing=timings[question_id],
            )
        )
    return QuizAnalysis(column, itemstats.quiz_statistics(marks), tuple(items))


def build_report(
    record: ClassRecord,
    bank: dict[tuple[int, str], Quiz] | None = None,
    *,
    generated: str | None = None,
    source: str = "",
    bank_errors: Sequence[str] = (),
    course: Course | None = None,
) -> ClassReport:
    """Turn a gradebook snapshot into everything the report shows.

    Parameters
    ----------
    record : ClassRecord
        ``Gradebook.load()``.
    bank : dict, optional
        ``(number, lang) -> Quiz`` from ``grader.quiz.bank.load_bank``: question titles,
        options and answer keys. Without it the item analysis still runs, on
        question ids and option numbers.
    generated : str, optional
        When the report was made (default: now); fixed in golden tests.
    source : str
        The gradebook's path, shown in the page.
    bank_errors : sequence of str
        Quiz files left out of ``bank`` because of an error, shown in the page.
    course : Course, optional
        Weights, due items, deadlines and the late policy (``grader.classroom.coursefile``);
        default: every item counts with weight 1, no deadlines.
    """
    course = course or Course()
    exercises = _exercise_columns(record.submissions)
    quizzes = _quiz_columns(record.attempts, bank)
    columns = grade_columns(
        course,
        [(column.number, column.max_score) for column in exercises],
        [(column.number, column.max_score) for column in quizzes],
        bank,
    )
    attempts_of: dict[str, list[AttemptRow]] = {}
    for attempt in record.attempts:
        attempts_of.setdefault(attempt.learner, []).append(attempt)
    quiz_by_number = {column.number: column for column in quizzes}
    by_learner: dict[str, dict[int, SubmissionRow]] = {}
    for submission in record.submissions:
        by_learner.setdefault(submission.learner, {})[submission.exercise] = submission
    best: dict[str, dict[int, AttemptRow]] = {}
    counts: dict[str, Counter] = {}
    for attempt in record.attempts:
        if attempt.review:
            continue
        counts.setdefault(attempt.learner, Counter())[attempt.quiz] += 1
        held = best.setdefault(attempt.learner, {}).get(attempt.quiz)
        if held is None or _fraction(attempt) > _fraction(held):
            best[attempt.learner][attempt.quiz] = attempt
    names = sorted(set(record.learners) | set(by_learner) | set(best), key=_natural)
    learners = []
    for position, name in enumerate(names, start=1):
        submissions = by_learner.get(name, {})
        bests = best.get(name, {})
        learners.append(
            LearnerRow(
                name=name,
                anchor=f"learner-{position}",
                submissions=submissions,
                best=bests,
                attempts=dict(counts.get(name, Counter())),
                problems=record.problems.get(name, ()),
                exercise_points=sum(row.score for row in submissions.values()),
                quiz_points=sum(_fraction(row) * quiz_by_number[number].max_score for number, row in bests.items()),
                grades=learner_grades(course, columns, submissions, attempts_of.get(name, ())),
                blocked=_learner_blocked(submissions),
                person=record.people.get(name),
            )
        )
    exercise_distributions = {
        column.number: Distribution(
            tuple(
                row.submissions[column.number].score / column.max_score if column.max_score else 0.0
                for row in learners
                if column.number in row.submissions
            )
        )
        for column in exercises
    }
    quiz_distributions = {
        column.number: Distribution(
            tuple(_fraction(row.best[column.number]) for row in learners if column.number in row.best)
        )
        for column in quizzes
    }
    exercise_max = sum(column.max_score for column in exercises)
    quiz_max = sum(column.max_score for column in quizzes)
    exercise_total = Distribution(
        tuple(row.exercise_points / exercise_max for row in learners if row.submissions) if exercise_max else ()
    )
    quiz_total = Distribution(tuple(row.quiz_points / quiz_max for row in learners if row.best) if quiz_max else ())
    first = _first_attempts(record.attempts)
    analyses = tuple(_analyse_quiz(column, first.get(column.number, [])) for column in quizzes)
    return ClassReport(
        learners=tuple(learners),
        exercises=exercises,
        quizzes=quizzes,
        exercise_distributions=exercise_distributions,
        quiz_distributions=quiz_distributions,
        exercise_total=exercise_total,
        quiz_total=quiz_total,
        misconceptions=_misconceptions(exercises, record.submissions),
        analyses=analyses,
        problems=sum(len(found) for found in record.problems.values()),
        generated=generated or datetime.now().astimezone().isoformat(timespec="seconds"),
        source=source,
        bank_errors=tuple(bank_errors),
        course=course,
        columns=columns,
        people=dict(record.people),
        blockers=_blockers(record.submissions),
        similar=record.similar,
        similarity_run=record.settings.get("similarity"),
        dashboard=dashboards.build_dashboard(record, learners, exercises, quizzes),
    )


# --- charts ------------------------------------------------------------------------------------


def _bins(values: Iterable[float], bins: int = HISTOGRAM_BINS) -> list[int]:
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(math.floor(value * bins + 1e-9))))] += 1
    return counts


def histogram_svg(distribution: Distribution, label: str, lang: str, *, width: int = 420, height: int = 190) -> Markup:
    """An inline SVG histogram of scores (0-100 % in 10 bins) with the mean and the median marked.

    Parameters
    ----------
    distribution : Distribution
        The scores, fractions in [0, 1].
    label : str
        What is counted, for screen readers and the tooltip.
    """
    counts = _bins(distribution.values)
    left, right, top, bottom = 34, 18, 16, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    tallest = max(counts) or 1
    bar = plot_width / len(counts)
    mean_label = UI["mean"](lang)
    median_label = UI["median"](lang)
    summary = (
        f"{label}: {distribution.count} {UI['learners_unit'](lang)}, {mean_label} {percent_text(distribution.mean)}, "
        f"{median_label} {percent_text(distribution.median)}"
    )
    parts = [
        f'<svg class="histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(summary)}">',
        f"<title>{escape(summary)}</title>",
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + plot_width}" y2="{top + plot_height}" class="axis"/>',
    ]
    for position, count in enumerate(counts):
        bar_height = plot_height * count / tallest
        x = left + position * bar
        y = top + plot_height - bar_height
        low, high = 10 * position, 10 * (position + 1)
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{bar_height:.1f}">'
            f"<title>{low}–{high}%: {count}</title></rect>"
        )
        if count:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" class="count">{count}</text>')
    for tick in range(0, 101, 20):
        x = left + plot_width * tick / 100
        parts.append(f'<text x="{x:.1f}" y="{top + plot_height + 14}" class="tick">{tick}%</text>')
    for value, css, name in ((distribution.mean, "mean", mean_label), (distribution.median, "median", median_label)):
        if not math.isnan(value):
            x = left + plot_width * value
            parts.append(
                f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + plot_height}" class="{css}">'
                f"<title>{escape(name)} {percent_text(value)}</title></line>"
            )
    parts.append(
        f'<text x="{left}" y="{height - 4}" class="legend"><tspan class="mean-key">━ {escape(mean_label)}</tspan> '
        f'<tspan class="median-key">┅ {escape(median_label)}</tspan></text>'
    )
    parts.append(f'<text x="{left - 6}" y="{top + 4}" class="tick end">{tallest}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline_svg(distribution: Distribution, label: str, *, width: int = 110, height: int = 26) -> Markup:
    """A small inline SVG histogram for a table cell."""
    counts = _bins(distribution.values)
    tallest = max(counts) or 1
    bar = width / len(counts)
    parts = [
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    for position, count in enumerate(counts):
        bar_height = (height - 2) * count / tallest
        parts.append(
            f'<rect x="{position * bar + 0.5:.1f}" y="{height - 1 - bar_height:.1f}" width="{bar - 1:.1f}" '
            f'height="{max(bar_height, 0.5 if count else 0):.1f}"><title>{10 * position}–{10 * position + 10}%: '
            f"{count}</title></rect>"
        )
    parts.append(f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" class="axis"/></svg>')
    return Markup("".join(parts))


# --- rendering ---------------------------------------------------------------------------------

UI: dict[str, Text] = {
    "title": Text("Class report", "クラスレポート"),
    "generated": Text("Generated {when} from {source}", "{when} に {source} から作成"),
    "overview": Text("Class overview", "クラスの概要"),
    "misconceptions": Text("Misconception map", "つまずきマップ"),
    "items": Text("Quiz item analysis", "確認テストの項目分析"),
    "learners": Text("Learners", "受講者"),
    "learners_unit": Text("learners", "人"),
    "learner": Text("Learner", "受講者"),
    "exercise": Text("Exercise", "課題"),
    "exercises": Text("Exercises", "課題"),
    "quiz": Text("Quiz", "確認テスト"),
    "quizzes": Text("Quizzes", "確認テスト"),
    "late": Text("late", "期限後"),
    "weighted_total": Text("Weighted total (%)", "重み付き合計(%)"),
    "mean": Text("mean", "平均"),
    "median": Text("median", "中央値"),
    "Mean": Text("Mean", "平均"),
    "Median": Text("Median", "中央値"),
    "submitted": Text("Submitted", "提出"),
    "taken": Text("Taken", "受験"),
    "all_passed": Text("All checks passed", "全チェック合格"),
    "not_attempted": Text("Not attempted", "未着手"),
    "distribution": Text("Distribution", "分布"),
    "total": Text("Total", "合計"),
    "exercise_total": Text("Exercise score (all exercises)", "課題の得点(全課題)"),
    "quiz_total": Text("Quiz score (best attempts)", "確認テストの得点(最高得点)"),
    "problems": Text("Problems", "問題点"),
    "graded": Text("graded submissions", "採点済みの提出"),
    "attempts": Text("quiz attempts", "確認テストの受験"),
    "problem_count": Text("problems with learner folders", "受講者フォルダの問題"),
    "check": Text("Check", "チェック"),
    "failed": Text("Failed", "不合格"),
    "todo": Text("Not attempted", "未着手"),
    "hints": Text("Hint given", "示したヒント"),
    "who": Text("Who", "該当者"),
    "no_hint": Text("(no hint)", "(ヒントなし)"),
    "crashed": Text("crashed", "異常終了"),
    "blocked_not_counted": Text(
        "{n} more failed because of another exercise's file: not counted",
        "ほかに {n} 人が別の課題のファイルが原因で不合格(数えていません)",
    ),
    "blockers_intro": Text(
        "Files that made checks of later exercises fail (the untouched stub, a file that does not import, an "
        "exception inside it). Those failures are not counted in the map below but once here, under the "
        "exercise to fix first.",
        "後の課題のチェックを失敗させたファイル(未着手のスタブ、読み込めないファイル、その中で送出された例外)です。"
        "それらの不合格は下のマップでは数えず、先に直すべき課題の下にここで一度だけ数えています。",
    ),
    "blocks_line": Text(
        "Exercise {m}: the files of {n} learners block later exercises",
        "課題 {m}: {n} 人のファイルが後の課題を妨げています",
    ),
    "fix_first": Text(
        "fix exercise {m} first: its file made checks of this exercise fail",
        "先に課題 {m} を直してください。そのファイルが原因でこの課題のチェックが失敗しています",
    ),
    "median_seconds": Text("Median time", "解答時間の中央値"),
    "p90_seconds": Text("90th percentile time", "解答時間の 90 パーセンタイル"),
    "seconds": Text("{s} s", "{s} 秒"),
    "misconception_intro": Text(
        "Every check, ranked by how many learners failed it (of those who submitted the exercise). "
        "The hints are what the grader told them: the misconception to re-teach.",
        "すべてのチェックを、不合格の受講者数(その課題の提出者のうち)の多い順に並べています。"
        "ヒントは採点時に受講者へ示したもので、授業で扱い直すべきつまずきを表します。",
    ),
    "no_checks": Text("No exercise has been graded yet.", "まだ採点された課題がありません。"),
    "no_quizzes": Text("No quiz attempt has been recorded yet.", "確認テストの受験記録がまだありません。"),
    "bank_errors": Text(
        "Quiz files left out because of an error: attempts at these quizzes are analysed on question ids, "
        "without titles or answer keys. Fix the files (grade quiz --site DIR names every error), then report again.",
        "エラーのため読み込まなかった確認テストのファイルです。これらの確認テストの受験は、問題文や正答なしに"
        "問題 ID だけで分析しています。ファイルを修正して(grade quiz --site DIR ですべてのエラーを確認できます)、"
        "もう一度レポートを作成してください。",
    ),
    "nobody_failed": Text("nobody", "なし"),
    "item_intro": Text(
        "Computed, as in Moodle's quiz statistics report, from each learner's first full attempt "
        "(reviews left out). Quiz grades elsewhere in this report count the best attempt.",
        "Moodle の小テスト統計と同じく、各受講者の最初の受験(復習モードを除く)から計算しています。"
        "このレポートのほかの箇所の得点は最高得点の受験を使います。",
    ),
    "unreliable": Text("unreliable: {n} first attempts (fewer than 30)", "参考値: 最初の受験が {n} 件(30 件未満)"),
    "unreliable_short": Text("unreliable (< 30 attempts)", "参考値(30 件未満)"),
    "flagged": Text("Questions to review", "見直すべき問題"),
    "none_flagged": Text("No question is flagged.", "見直しが必要な問題はありません。"),
    "first_attempts": Text("First attempts", "最初の受験"),
    "sd": Text("Standard deviation", "標準偏差"),
    "skewness": Text("Skewness", "歪度"),
    "kurtosis": Text("Kurtosis", "尖度"),
    "cic": Text(
        "Coefficient of internal consistency (Cronbach's α = KR-20)", "内的一貫性係数(クロンバックの α = KR-20)"
    ),
    "error_ratio": Text("Error ratio", "誤差比"),
    "standard_error": Text("Standard error", "標準誤差"),
    "question": Text("Question", "問題"),
    "kind": Text("Kind", "形式"),
    "facility": Text("Facility index", "正答率(容易度)"),
    "item_sd": Text("SD", "標準偏差"),
    "random_guess": Text("Random guess score", "当て推量の得点"),
    "discrimination": Text("Discrimination index", "識別指数"),
    "efficiency": Text("Discriminative efficiency", "識別効率"),
    "group_difference": Text("Upper − lower 27 %", "上位 − 下位 27 %"),
    "flags": Text("Review", "要確認"),
    "option": Text("Option", "選択肢"),
    "key": Text("Key", "正答"),
    "chosen": Text("Chosen", "選択率"),
    "upper": Text("Upper 27 %", "上位 27 %"),
    "lower": Text("Lower 27 %", "下位 27 %"),
    "no_answer": Text("(no answer)", "(無回答)"),
    "wrong_numbers": Text("Most frequent wrong numbers", "多かった誤答(数値)"),
    "distractors": Text("Distractor analysis", "選択肢の分析"),
    "single": Text("one answer", "単一選択"),
    "multiple": Text("select all", "複数選択"),
    "numeric": Text("number", "数値"),
    "choice": Text("choice", "選択"),
    "feedback": Text("Feedback", "フィードバック"),
    "file": Text("File", "ファイル"),
    "score": Text("Score", "得点"),
    "status": Text("Status", "状態"),
    "best": Text("Best attempt", "最高得点"),
    "attempt_count": Text("Attempts", "受験回数"),
    "not_submitted": Text("not submitted", "未提出"),
    "not_taken": Text("not taken", "未受験"),
    "passed_all": Text("all passed", "全合格"),
    "failed_count": Text("{failed} failed, {todo} not attempted", "不合格 {failed}、未着手 {todo}"),
    "failed_only": Text("{failed} failed", "不合格 {failed}"),
    "PASS": Text("PASS", "合格"),
    "FAIL": Text("FAIL", "不合格"),
    "TODO": Text("TODO", "未着手"),
    "hint": Text("hint", "ヒント"),
    "how_to_read": Text("How to read these statistics", "統計量の読み方"),
    "contents": Text("Contents", "目次"),
    "nothing": Text("—", "—"),
}

GUIDE: tuple[tuple[Text, Text], ...] = (
    (
        Text("Facility index", "正答率(容易度)"),
        Text(
            "share of learners who answered right. Moodle's guide: 5 % or less extremely difficult, "
            "35–64 % about right for the average learner, 95 % or more extremely easy.",
            "正答した受講者の割合。Moodle の目安: 5 % 以下は極めて難しい、35〜64 % は平均的な受講者に適切、"
            "95 % 以上は極めて易しい。",
        ),
    ),
    (
        Text("Standard deviation", "標準偏差"),
        Text(
            "how much the marks of the question vary (sample SD, as a share of its mark).",
            "その問題の得点のばらつき(標本標準偏差、配点に対する割合)。",
        ),
    ),
    (
        Text("Random guess score", "当て推量の得点"),
        Text(
            "the mean mark of a random answer: 1/n for one answer of n options, 1/(2ⁿ − 1) for "
            "select-all (every right option and no other), 0 for a number.",
            "でたらめに答えたときの平均得点。n 択の単一選択は 1/n、すべて選ぶ形式は 1/(2ⁿ − 1)、数値は 0。",
        ),
    ),
    (
        Text("Discrimination index", "識別指数"),
        Text(
            "correlation between the question and the rest of the quiz. 50 % and above very good, 30–50 % "
            "adequate, 20–29 % weak, below 20 % very weak; negative: probably a wrong key or a misleading question.",
            "その問題と残りの問題の得点の相関。50 % 以上は非常によい、30〜50 % は適切、20〜29 % は弱い、"
            "20 % 未満は非常に弱い。負の値は正答の誤りや誤解を招く問題の可能性があります。",
        ),
    ),
    (
        Text("Discriminative efficiency", "識別効率"),
        Text(
            "the discrimination as a share of the most a question of this facility could reach. "
            "Moodle marks a question below 15 % for review.",
            "この正答率の問題で到達しうる最大の識別力に対する割合。Moodle は 15 % 未満の問題を要確認とします。",
        ),
    ),
    (
        Text("Upper and lower 27 %", "上位・下位 27 %"),
        Text(
            "the learners with the highest and the lowest total scores. A distractor the upper group chooses "
            "more than the lower one, or that nobody chooses, needs a look.",
            "合計点が最も高い・低い受講者の 27 %。"
            "上位群が下位群より多く選ぶ誤答選択肢や、誰も選ばない選択肢は見直しが必要です。",
        ),
    ),
    (
        Text("Coefficient of internal consistency", "内的一貫性係数"),
        Text(
            "Cronbach's α (KR-20 for right/wrong questions): whether the questions measure the same thing. "
            "Moodle's guide: above 75 % satisfactory, below 64 % unsatisfactory.",
            "クロンバックの α(正誤のみの問題では KR-20)。問題群が同じ力を測っているか。"
            "Moodle の目安: 75 % 超で満足、64 % 未満は不十分。",
        ),
    ),
    (
        Text("Error ratio and standard error", "誤差比と標準誤差"),
        Text(
            "error ratio √(1 − α): the share of the spread of scores due to chance (above 50 % the scores "
            "mean little); standard error = error ratio × SD, the uncertainty of one learner's score.",
            "誤差比 √(1 − α) は得点のばらつきのうち偶然による割合(50 % を超えると得点の意味は薄い)。"
            "標準誤差 = 誤差比 × 標準偏差 は、一人の得点の不確かさです。",
        ),
    ),
)


def _number(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def _points(value: float) -> str:
    return f"{value:g}"


@cache
def _environment() -> jinja2.Environment:
    from grader.quiz.page import template_environment

    environment = template_environment()
    environment.filters["percent"] = percent_text
    environment.filters["number"] = _number
    environment.filters["points"] = _points
    return environment


@cache
def _inline(text: str) -> Markup:
    """Quiz Markdown with $math$ as HTML (MathML), like the quiz pages; escaped text if it can not be."""
    from grader.errors import MathError

    try:
        from grader.quiz.page import inline_html
    except ImportError:  # pragma: no cover - the quiz pages are part of the package
        return Markup(escape(text))
    try:
        return Markup(inline_html(text))
    except MathError:
        return Markup(escape(text))


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def hint_html(text: str) -> Markup:
    """A check's hint as HTML: each `code` span as <code>, everything else escaped.

    Hints are plain text with Markdown's code spans, not Markdown: ``*`` in
    ``g * g`` is a product, never emphasis, so ``_inline`` (quiz Markdown) is not
    used for them.
    """
    parts: list[Markup] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup("<code>%s</code>") % match.group(2))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def hint_plain(text: str) -> str:
    """A check's hint as plain text (CSV files): the code spans' backticks dropped."""
    return _CODE_SPAN.sub(lambda match: match.group(2), text)


def render_html(report: ClassReport, lang: str) -> str:
    """The whole report page in ``lang`` (``en`` or ``ja``)."""
    from grader.quiz.page import font_face

    labels = {key: value(lang) for key, value in UI.items()}
    labels.update(dashboards.labels(lang))
    dashboard = dashboards.page_context(report, lang)
    charts = {
        "exercise_total": histogram_svg(report.exercise_total, labels["exercise_total"], lang),
        "quiz_total": histogram_svg(report.quiz_total, labels["quiz_total"], lang),
        "exercises": {
            number: sparkline_svg(distribution, f"{labels['exercise']} {number}")
            for number, distribution in report.exercise_distributions.items()
        },
        "quizzes": {
            number: sparkline_svg(distribution, f"{labels['quiz']} {number}")
            for number, distribution in report.quiz_distributions.items()
        },
    }
    flagged = [
        (analysis, item)
        for analysis in report.analyses
        for item in analysis.items
        if item.flags and analysis.stats.attempts
    ]
    exercise_passed: Counter = Counter()
    exercise_untouched: Counter = Counter()
    for learner in report.learners:
        for number, submission in learner.submissions.items():
            exercise_passed[number] += submission.passed
            exercise_untouched[number] += not submission.attempted
    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        lang=lang,
        t=labels,
        generated_line=UI["generated"].format(when=report.generated, source=report.source or "-")(lang),
        submission_count=sum(len(learner.submissions) for learner in report.learners),
        attempt_count=sum(sum(learner.attempts.values()) for learner in report.learners),
        exercise_passed=exercise_passed,
        exercise_untouched=exercise_untouched,
        guide=[(name(lang), text(lang)) for name, text in GUIDE],
        charts=charts,
        flagged=flagged,
        inline=_inline,
        hint_html=hint_html,
        letters=LETTERS,
        font_face=Markup(font_face() if MATH_FONT.is_file() else ""),
        similarity=similarity.report_section(report.similar, report.similarity_run, lang),
        PASSED=Status.PASSED,
        FAILED=Status.FAILED,
        NOT_ATTEMPTED=Status.NOT_ATTEMPTED,
        **dashboard,
    )


# --- CSV ---------------------------------------------------------------------------------------


_PLAIN_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$")


def _cell(text: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula.

    A learner names the folders and files, and so the names, paths and problems
    in the CSV files: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading apostrophe (OWASP's advice for CSV
    injection), except a plain number such as ``-0.25``, which can not be a
    formula.  Every cell of every CSV file goes through here.
    """
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _csv_number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}"


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> Path:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_cell(str(cell)) for cell in header])
        writer.writerows([_cell(str(cell)) for cell in row] for row in rows)
    temporary.replace(path)
    return path


def _late_cell(learner: LearnerRow, kind: str, number: int) -> str:
    """The lateness of one item for a CSV cell: ``late 2 days (-20 %)``, ``on time``, ``time unknown`` or empty."""
    grade = learner.grades.items.get((kind, number))
    return grade.lateness.text().en if grade is not None else ""


def _late_summary(learner: LearnerRow) -> str:
    """Every late item and every item whose time is unknown, for one cell: ``Exercise 3: late 2 days (-20 %)``."""
    return "; ".join(
        f"{grade.item.label.en}: {grade.lateness.text().en}" for grade in learner.grades.late + learner.grades.unknown
    )


def _has_roster(report: ClassReport) -> bool:
    return any(learner.person is not None and learner.person.in_roster for learner in report.learners)


_ROSTER_HEADER = ["lms id", "full name", "section"]


def _status_cell(learner: LearnerRow) -> str:
    """The ``status`` column: what came in, and ``not in roster`` for a folder the roster does not name."""
    outside = learner.person is not None and not learner.person.in_roster
    return "; ".join(part for part in (learner.status, "not in roster" if outside else "") if part)


def _roster_cells(learner: LearnerRow) -> list[str]:
    person = learner.person
    if person is None:
        return ["", "", ""]
    return [_cell(value or "") for value in (person.lms_id, person.full_name, person.section)]


def learners_csv_rows(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """``learners.csv``: a column per check and per quiz question, lateness, plus totals (points, weighted %)."""
    roster = _has_roster(report)
    header = ["learner", *(_ROSTER_HEADER if roster else []), "exercises total", "exercises max"]
    header += ["quizzes total", "quizzes max", "weighted total (%)"]
    for exercise in report.exercises:
        header.extend([f"ex{exercise.number:02d} total", f"ex{exercise.number:02d} late"])
        header.extend(_cell(f"ex{exercise.number:02d} {check.name}") for check in exercise.checks)
    for quiz in report.quizzes:
        header.extend([f"quiz{quiz.number:02d} total", f"quiz{quiz.number:02d} late"])
        header.extend(_cell(f"quiz{quiz.number:02d} {question_id}") for question_id in quiz.question_ids)
    header.append("problems")
    if roster:
        header.append("status")
    rows = []
    for learner in report.learners:
        row = [
            _cell(learner.name),
            *(_roster_cells(learner) if roster else []),
            _csv_number(learner.exercise_points),
            _csv_number(report.exercise_max),
            _csv_number(learner.quiz_points),
            _csv_number(report.quiz_max),
            _csv_number(learner.total),
        ]
        for exercise in report.exercises:
            submission = learner.submissions.get(exercise.number)
            if submission is None:
                row.extend([""] * (2 + len(exercise.checks)))
                continue
            scores = {check.name: check.score for check in submission.checks}
            row.extend([_csv_number(submission.score), _late_cell(learner, "exercise", exercise.number)])
            row.extend(_csv_number(scores.get(check.name)) for check in exercise.checks)
        for quiz in report.quizzes:
            attempt = learner.best.get(quiz.number)
            if attempt is None:
                row.extend([""] * (2 + len(quiz.question_ids)))
                continue
            right = {answer.question_id: answer.correct for answer in attempt.answers}
            row.extend([_csv_number(_fraction(attempt) * quiz.max_score), _late_cell(learner, "quiz", quiz.number)])
            row.extend(
                "" if question_id not in right else ("1" if right[question_id] else "0")
                for question_id in quiz.question_ids
            )
        row.append(_cell(" | ".join(learner.problems)))
        if roster:
            row.append(_status_cell(learner))
        rows.append(row)
    return header, rows


def _item_header(column: GradeColumn) -> str:
    counted = "" if column.counted else ", not counted"
    return f"{column.item.label.en} (max {column.max_score:g}{counted})"


def grades_csv_rows(report: ClassReport) -> tuple[list[str], list[list[str]]]:
    """``grades.csv``: the learner and one column per grade item (points after the late penalty), the totals.

    ``Weighted total (%)`` follows the course's weights over the items that
    count (``grader.classroom.totals``); ``Late`` lists the late items and those
    whose time is unknown.  With a roster, its columns follow the learner and
    ``status`` comes last (no submission, nothing gradable, not in roster).
    """
    roster = _has_roster(report)
    columns = report.columns
    exercise_max = sum(column.max_score for column in columns if column.item.kind == "exercise")
    quiz_max = sum(column.max_score for column in columns if column.item.kind == "quiz")
    header = ["learner", *(_ROSTER_HEADER if roster else [])]
    header.extend(_item_header(column) for column in columns)
    header.extend(
        [
            f"Exercises total (max {exercise_max:g})",
            f"Quizzes total (max {quiz_max:g})",
            "Weighted total (%)",
            "Late",
        ]
    )
    if roster:
        header.append("status")
    rows = []
    for learner in report.learners:
        grades = [learner.grades.items.get(column.key) for column in columns]
        points = [None if grade is None else grade.final_points for grade in grades]
        row = [_cell(learner.name), *(_roster_cells(learner) if roster else [])]
        row.extend(_csv_number(value) for value in points)
        for kind in ("exercise", "quiz"):
            held = [value for column, value in zip(columns, points, strict=True) if column.item.kind == kind]
            given = [value for value in held if value is not None]
            row.append(_csv_number(sum(given)) if given else "")
        row.append(_csv_number(learner.total))
        row.append(_cell(_late_summary(learner)))
        if roster:
            row.append(_status_cell(learner))
        rows.append(row)
    return header, rows


def write_csvs(report: ClassReport, folder: Path) -> list[Path]:
    """Write ``learners.csv``, ``grades.csv``, the LMS files, ``items.csv`` and ``misconceptions.csv`` to ``folder``.

    The LMS files are ``moodle-grades.csv`` and ``canvas-grades.csv`` (``grader.classroom.lms``).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        _write_csv(folder / "learners.csv", *learners_csv_rows(report)),
        _write_csv(folder / "grades.csv", *grades_csv_rows(report)),
        _write_csv(folder / "moodle-grades.csv", *moodle_csv_rows(report)),
        _write_csv(folder / "canvas-grades.csv", *canvas_csv_rows(report)),
    ]
    item_header = [
        "quiz", "question", "kind", "first attempts", "facility", "sd", "random guess score",
        "discrimination index", "discriminative efficiency", "upper minus lower 27%", "reliable", "review",
        "timed answers", "untimed answers", "median seconds", "90th percentile seconds",
    ]  # fmt: skip
    item_rows = [
        [
            str(analysis.column.number),
            _cell(item.question_id),
            item.kind,
            str(analysis.stats.attempts),
            _csv_number(item.stats.facility),
            _csv_number(item.stats.sd),
            _csv_number(item.random_guess),
            _csv_number(item.stats.discrimination),
            _csv_number(item.stats.efficiency),
            _csv_number(item.group_difference),
            "yes" if analysis.stats.reliable else "no",
            " | ".join(flag.en for flag in item.flags),
            *(
                [
                    str(item.timing.timed),
                    str(item.timing.untimed),
                    _csv_number(item.timing.median),
                    _csv_number(item.timing.p90),
                ]
                if item.timing is not None
                else ["", "", "", ""]
            ),
        ]
        for analysis in report.analyses
        for item in analysis.items
    ]
    written.append(_write_csv(folder / "items.csv", item_header, item_rows))
    misconception_rows = [
        [
            str(row.column.exercise),
            row.column.name,
            str(len(row.failed)),
            str(len(row.not_attempted)),
            str(row.submitted),
            hint_plain(row.hints[0][0].en) if row.hints else "",
            str(len(row.blocked)),
            " | ".join(f"{kind}: {count}" for kind, count in row.crashes),
        ]
        for row in report.misconceptions
    ]
    # an exercise whose files blocked later ones: one row, each learner counted once
    misconception_rows += [
        [
            str(blocking.exercise),
            "(blocks later exercises: " + ", ".join(str(number) for number, _ in blocking.later) + ")",
            str(len(blocking.learners)),
            "",
            "",
            "",
            "",
            "",
        ]
        for blocking in report.blockers
    ]
    written.append(
        _write_csv(
            folder / "misconceptions.csv",
            [
                "exercise",
                "check",
                "failed",
                "not attempted",
                "submitted",
                "most frequent hint",
                "blocked by another exercise (not counted)",
                "crashed without a hint",
            ],  # fmt: skip
            misconception_rows,
        )
    )
    return written


# --- the command ----------------------------------------------------------------------------------


def write_report(
    db: Path,
    *,
    html_dir: Path | None = None,
    csv_dir: Path | None = None,
    lang: str = "en",
    bank: dict | None = None,
    course: Course | None = None,
    deadlines: Sequence[str] = (),
    late_policy: str | None = None,
    feedback_dir: Path | None = None,
) -> tuple[list[Path], ClassReport, float]:
    """Read the gradebook at ``db`` and write the HTML page, the CSV files and/or the feedback files.

    ``course`` (``--course``), else the course stored in the gradebook, else the
    default, with ``deadlines`` (``--deadline``) and ``late_policy``
    (``--late-policy``) over it: see ``grader.classroom.coursefile.course_for_report``;
    ``report.course.source`` and ``report.course_line`` say which was used.

    The quiz bank (titles, options, answer keys) is loaded quiz by quiz
    (``grader.classroom.attempts.load_scoring_bank``): a broken quiz file leaves out only
    its quiz, whose attempts are then analysed on question ids; the errors are
    in ``report.bank_errors`` and on the page.

    Returns
    -------
    written : list of Path
        The files written (``report.html`` first when asked for).
    report : ClassReport
        What they show.
    seconds : float
        Time taken, reading included.
    """
    started = time.perf_counter()
    errors: list[str] = []
    if bank is None:
        from grader.classroom.attempts import load_scoring_bank
        from grader.errors import display_path

        bank, found = load_scoring_bank()
        errors = [f"{display_path(error.path)}:{error.line}: {error.message}" for error in found]
    from grader.classroom.coursefile import course_for_report

    with Gradebook(db) as gradebook:
        record = gradebook.load()
        rules, line = course_for_report(
            gradebook, record.settings, course, deadlines=deadlines, late_policy=late_policy
        )
    report = build_report(record, bank, source=str(db), bank_errors=errors, course=rules)
    report = replace(report, course_line=line)
    written: list[Path] = []
    if html_dir is not None:
        html_dir = Path(html_dir)
        html_dir.mkdir(parents=True, exist_ok=True)
        page = html_dir / "report.html"
        temporary = page.with_name(page.name + ".tmp")
        temporary.write_text(render_html(report, lang), encoding="utf-8")
        temporary.replace(page)
        written.append(page)
    if csv_dir is not None:
        written.extend(write_csvs(report, csv_dir))
    if feedback_dir is not None:
        from grader.classroom.feedback import write_feedback

        written.extend(write_feedback(report, feedback_dir, lang))
    return written, report, time.perf_counter() - started
