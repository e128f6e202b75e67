"""The learner's commands as plain functions: what ``grade exercise``, ``list``, ``hint`` and ``quiz`` do.

``grader.cli`` parses the command line and prints; everything here returns
what to show (``Lines``) or, for the questions asked in a terminal, reads and
writes the streams it is given, so each command can be used, and tested,
without a command line.  Errors are ``grader.errors`` exceptions, which the CLI
maps to exit statuses in one place.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from grader.errors import GraderError, UsageError
from grader.grading.engine import EXERCISES, get_exercise
from grader.grading.results import ExerciseResult, Status
from grader.learner.datadir import ensure_writable, user_data_dir
from grader.learner.listing import (
    QUIZ_TITLE_LIMIT,
    ExerciseTotals,
    ListStyle,
    columns,
    damaged_attempt_warning,
    damaged_attempts,
    damaged_state_files,
    damaged_warning,
    exercise_totals_line,
    extra_lines,
    pad,
    percent,
    quiz_totals_line,
    quiz_verdict,
    shorten,
    shown_name,
)
from grader.learner.workspace import (
    ExerciseStatus,
    exercise_status,
    find_workspace,
    hints_shown,
    is_exercise_file,
    record_result,
    save_hints_shown,
    save_warm_up,
    warm_up_done,
)
from grader.text import Text

if TYPE_CHECKING:  # the quiz bank imports NumPy and Markdown: not on the way to a grading
    from grader.grading.progress import ProgressListener
    from grader.quiz.bank import Quiz

EXERCISE_PATTERN = "ex{number:02d}_*.py"


@dataclass
class Lines:
    """What a command has to say: lines for standard output, warnings for standard error."""

    out: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status: int = 0


# --- which file, and grading it --------------------------------------------------------------------


def exercise_file(number: int, file: Path | None, start: Path | None = None) -> Path:
    """The file to grade: ``file`` when given, else the workspace's ``exercises/exNN_*.py``."""
    if file is not None:
        if not file.is_file():
            raise UsageError(f"no such file: {file}", f"ファイルがありません: {file}")
        return file
    workspace = find_workspace(start or Path.cwd())
    if workspace is None:
        raise UsageError(
            "no exercises/ folder here or in any folder above; "
            "cd into your workspace, or name the file: grade exercise N --file PATH",
            "このフォルダにも、その上のフォルダにも exercises/ がありません。"
            "ワークスペースに cd するか、ファイルを指定してください: grade exercise N --file PATH",
        )
    found = sorted((workspace / "exercises").glob(EXERCISE_PATTERN.format(number=number)))
    if not found:
        raise UsageError(
            f"no exercises/ex{number:02d}_*.py in {workspace}; name the file: grade exercise N --file PATH",
            f"{workspace} に exercises/ex{number:02d}_*.py がありません。"
            "ファイルを指定してください: grade exercise N --file PATH",
        )
    return found[0]


def grade_path(
    number: int, path: Path, *, timeout: float | None = None, jobs: int = 2, progress: ProgressListener | None = None
) -> ExerciseResult:
    """Grade ``path`` as exercise ``number``: a ``.py`` file, or the code cells of a notebook.

    ``progress`` hears checks start and finish (``grader.learner.status``); a notebook's too.
    Anywhere inside a workspace, the file may import the earlier exercises of
    the workspace's ``exercises/`` (its own folder's files first).
    """
    from grader.learner.imports import import_folders

    folders = import_folders(path)
    if path.suffix == ".ipynb":
        from grader.notebook import grade_notebook_file

        return grade_notebook_file(number, path, timeout=timeout, jobs=jobs, progress=progress, import_folders=folders)
    from grader.grading.engine import grade_exercise

    return grade_exercise(number, path, timeout=timeout, jobs=jobs, progress=progress, import_folders=folders)


def record_workspace(number: int, path: Path, *, record: bool = False) -> Path | None:
    """The workspace where grading ``path`` is recorded as exercise ``number``, or None when it is not recorded.

    Recorded when ``path`` is the exercise's own file in its workspace
    (``is_exercise_file``), or for any file when ``record`` says so (in the
    file's workspace, else the current one).
    """
    workspace = find_workspace(path.resolve().parent)
    if record:
        return workspace or find_workspace(Path.cwd())
    return workspace if workspace is not None and is_exercise_file(workspace, path, number) else None


def not_recorded_note(number: int, path: Path, lang: str, *, record: bool = False) -> str:
    """The one line saying a grading was shown but not recorded, and how to record it."""
    if record:  # --record given, and no workspace to record in
        return Text(
            "Not recorded: no workspace (a folder with exercises/) holds {file} or the current folder; "
            "run this from your workspace",
            "記録していません: {file} も現在のフォルダもワークスペース(exercises/ のあるフォルダ)の中にありません。"
            "ワークスペースで実行してください",
        ).format(file=relative(path))(lang)
    return Text(
        "Not recorded as exercise {n}: {file} is not its exercises/ex{n:02d}_*.py; "
        "to record it: grade exercise {n} --file {file} --record",
        "課題 {n} の結果としては記録していません({file} は exercises/ex{n:02d}_*.py ではありません)。"
        "記録するには: grade exercise {n} --file {file} --record",
    ).format(n=number, file=relative(path))(lang)


def remember(result: ExerciseResult, path: Path, *, record: bool = False) -> list[str]:
    """Keep ``result`` for ``grade list`` when ``path`` is the exercise's file (or ``record``); warnings, if any."""
    return _keep(result, path, record_workspace(result.exercise.number, path, record=record))


def _keep(result: ExerciseResult, path: Path, workspace: Path | None) -> list[str]:
    """Record ``result`` in ``workspace`` (nothing when None); the warning when it could not be saved."""
    if workspace is None:
        return []
    try:
        record_result(workspace, result, path)
    except OSError as problem:
        return [f"grade: could not save the result in {workspace / '.grade'}: {problem}"]
    return []


@dataclass(frozen=True)
class Graded:
    """One grading: the result, the file graded, and warnings to show."""

    result: ExerciseResult
    path: Path
    warnings: list[str]
    recorded: bool = True


def grade(
    number: int,
    file: Path | None,
    *,
    timeout: float | None = None,
    jobs: int = 2,
    record: bool = False,
    progress: ProgressListener | None = None,
) -> Graded:
    """``grade exercise N``: find the file, grade it, remember the result when it is the exercise's (or ``record``)."""
    get_exercise(number)
    path = exercise_file(number, file)
    result = grade_path(number, path, timeout=timeout, jobs=jobs, progress=progress)
    workspace = record_workspace(number, path, record=record)  # looked up once: it walks up the folders
    return Graded(result, path, _keep(result, path, workspace), workspace is not None)


def state_workspace(path: Path) -> Path:
    """Where ``.grade/`` goes for ``path``: its workspace, else the current one, else the user's data folder."""
    return find_workspace(path.resolve().parent) or find_workspace(Path.cwd()) or user_data_dir()


def relative(path: Path) -> str:
    """``path`` relative to the current folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- grade list ----------------------------------------------------------------------------------------


def exercise_state(workspace: Path, number: int, lang: str) -> str:
    """``passed``, ``failing (5 of 8 checks pass)`` or ``not attempted``, from the last grading."""
    return _state_and_tone(exercise_status(workspace, number))[0](lang)


def _state_and_tone(status: ExerciseStatus) -> tuple[Text, str]:
    """The words of an exercise's state, and the tone (``grader.learner.listing.TONES``) that colours them."""
    if status.state == Status.PASSED:
        text, tone = Text("passed", "合格"), "passed"
    elif status.state == Status.FAILED:
        text = Text("failing ({passing} of {total} checks pass)", "不合格({total} 件中 {passing} 件合格)").format(
            passing=status.passing, total=status.total
        )
        tone = "failing"
    else:
        text, tone = Text("not attempted", "未着手"), "none"
    if status.edited_since:
        text = Text(text.en + ", edited since", text.ja + "、採点後に編集あり")
        tone = "partial"
    return text, tone


def overview(lang: str, start: Path | None = None, *, style: ListStyle | None = None) -> Lines:
    """``grade list``: every exercise with the learner's file, a bar of checks passing and the state; the quizzes.

    Under each table a total; damaged result files are named on stderr.
    """
    style = style or ListStyle()
    lines = Lines()
    workspace = find_workspace(start or Path.cwd())
    titles = {number: info.title(lang) for number, info in EXERCISES.items()}
    title_width = max(columns(title) for title in titles.values())
    rows: dict[int, tuple[str, ExerciseStatus]] = {}
    for number in sorted(EXERCISES):
        if workspace is None:
            continue
        found = sorted((workspace / "exercises").glob(EXERCISE_PATTERN.format(number=number)))
        name = found[0].name if found else Text("(file missing)", "(ファイルなし)")(lang)
        status = exercise_status(workspace, number)
        if status.file is not None:  # the file actually graded: a notebook, say
            name = status.file.removeprefix("exercises/")
        rows[number] = (shown_name(name), status)
    name_width = max([20] + [columns(name) for name, _ in rows.values()])
    count_width = max([5] + [len(f"{status.passing}/{status.total}") for _, status in rows.values()])
    totals = ExerciseTotals(len(EXERCISES))
    for number, title in sorted(titles.items()):
        row = f"{number:2d}  {pad(title, title_width)}"
        if number in rows:
            name, status = rows[number]
            state, tone = _state_and_tone(status)
            graded = status.state != Status.NOT_ATTEMPTED or status.total > 0
            count = f"{status.passing}/{status.total}" if graded else "-"
            bar = style.bar(status.passing, status.total)
            row += f"  {pad(name, name_width)}  {style.paint(bar, tone)} {count:>{count_width}}  "
            row += style.paint(state(lang), tone)
            totals = replace(
                totals,
                passed=totals.passed + (status.state == Status.PASSED),
                failing=totals.failing + (status.state == Status.FAILED),
                edited=totals.edited + status.edited_since,
                checks_passing=totals.checks_passing + status.passing,
                checks_graded=totals.checks_graded + status.total,
                graded=totals.graded + (status.total > 0),
            )
        lines.out.append(row.rstrip())
    if workspace is None:
        lines.out.append(
            Text(
                "\nNo exercises/ folder here or above: cd into your workspace to see your files.",
                "\nこのフォルダより上に exercises/ がありません。ワークスペースに移動してください。",
            )(lang)
        )
    else:
        lines.out.append(exercise_totals_line(totals, lang))
        for path in damaged_state_files(workspace, sorted(EXERCISES)):
            lines.warnings.append(damaged_warning(relative(path), int(path.stem.removeprefix("ex")), lang))
    progress = workspace or user_data_dir()  # where the quiz attempts are kept
    lines.out += quiz_overview(lang, progress, style=style)
    lines.warnings += [damaged_attempt_warning(relative(path), lang) for path in damaged_attempts(progress)]
    lines.out += extra_lines(lang, progress)
    return lines


def quiz_overview(lang: str, workspace: Path, *, style: ListStyle | None = None) -> list[str]:
    """The second table of ``grade list``: every quiz, its title, a bar of the best score and the best score."""
    from grader.quiz.attempts import best_score
    from grader.quiz.bank import load_bank, quiz_number

    style = style or ListStyle()
    quizzes, errors = load_bank()
    broken = {number for number in map(quiz_number, (error.path for error in errors)) if number is not None}
    numbers = sorted({number for number, _ in quizzes} | broken)
    if not numbers:
        return []
    lines = [Text("\nConfirmation tests (grade quiz N):", "\n確認テスト（grade quiz N）:")(lang)]
    titles = {number: quiz.title for (number, quiz_lang), quiz in quizzes.items() if quiz_lang == lang}
    width = min(QUIZ_TITLE_LIMIT, max([20] + [columns(title) for title in titles.values()]))
    best = {number: best_score(workspace, number) for number in numbers if number in titles}
    for number in numbers:
        if number not in titles:
            problem = Text("(has an error: see grade quiz {n})", "(エラーあり: grade quiz {n} を参照)")
            lines.append(f"{number:2d}  " + problem(lang).format(n=number))
            continue
        title = shorten(titles[number], width)
        score = best[number]
        if score is None:
            bar, shown, tone = style.bar(0, 0), "-", "none"
            status = Text("not taken yet", "未受験")(lang)
        else:
            verdict, tone = quiz_verdict(*score)
            bar, shown = style.bar(*score), f"{percent(*score)}%"
            status = Text("{verdict}, best {score}/{total}", "{verdict}、最高 {score}/{total}").format(
                verdict=verdict(lang), score=f"{score[0]:g}", total=f"{score[1]:g}"
            )(lang)
        lines.append(
            f"{number:2d}  {pad(title, width)}  {style.paint(bar, tone)} {shown:>4}  {style.paint(status, tone)}"
        )
    lines.append(quiz_totals_line(best, len(titles), lang))
    return lines + area_coverage(
        [quiz for (_, quiz_lang), quiz in sorted(quizzes.items()) if quiz_lang == lang],
        {number for number, score in best.items() if score is not None},
        lang,
    )


def area_coverage(quizzes: Sequence[Quiz], taken: set[int], lang: str) -> list[str]:
    """How the quizzes cover the E資格 syllabus: per area, its quizzes, questions and how many were taken."""
    from grader.quiz.bank import AREAS

    if not quizzes:
        return []
    lines = [Text("\nBy syllabus area (E資格):", "\nシラバスの分野別（E資格）:")(lang)]
    names = {**{key: title(lang) for key, title in AREAS.items()}, "": Text("(no area)", "(分野なし)")(lang)}
    width = max(columns(name) for name in names.values())
    for area, name in names.items():
        inside = [quiz for quiz in quizzes if quiz.area == area]
        if not inside and area == "":
            continue
        numbers = ", ".join(str(quiz.number) for quiz in inside) or "-"
        summary = Text(
            "{q:3d} {quizzes} {n:4d} questions  taken {t}/{q}  (quiz {numbers})",
            "確認テスト {q:3d} 問題 {n:4d}  受験済み {t}/{q}  (確認テスト {numbers})",
        ).format(
            q=len(inside),
            quizzes="quiz   " if len(inside) == 1 else "quizzes",
            n=sum(len(quiz.questions) for quiz in inside),
            t=sum(quiz.number in taken for quiz in inside),
            numbers=numbers,
        )(lang)
        lines.append(f"    {name}{' ' * (width - columns(name))}  {summary}")
    return lines


# --- grade hint --------------------------------------------------------------------------------------


def next_hint(graded: Graded, lang: str) -> Lines:
    """``grade hint N``: the first failing check and its hints up to the next level, remembered in ``.grade/``."""
    from grader.grading.feedback import LABELS, check_detail
    from grader.grading.hints import hint_ladders, ladder

    result, number = graded.result, graded.result.exercise.number
    lines = Lines(warnings=list(graded.warnings))
    failing = [check for check in result.results if check.status == Status.FAILED]
    failing = failing or [check for check in result.results if check.status == Status.NOT_ATTEMPTED]
    if not failing:
        lines.out.append(
            Text(
                "Every check of exercise {n} passes: no hint needed.",
                "課題 {n} のチェックはすべて合格です。ヒントは必要ありません。",
            ).format(n=number)(lang)
        )
        return lines
    check = failing[0]
    levels = ladder(check, hint_ladders(number))
    lines.out.append(Text("Exercise {n}: ", "課題 {n}: ").format(n=number)(lang) + result.exercise.title(lang))
    lines.out.append(f"{LABELS[check.status]}  {check.title(lang)}  ({check.score:g}/{check.max_score:g})")
    lines.out += check_detail(replace(check, hint=None), lang)
    if not levels:
        lines.out.append(
            Text(
                "No hints for this check: the lines above say what went wrong.",
                "このチェックにはヒントがありません。上の行に何が違うかが書かれています。",
            )(lang)
        )
        return lines
    workspace = state_workspace(graded.path)
    # the report of a failed check has shown the first level already
    seen = max(hints_shown(workspace, number, check.name), 1 if check.status == Status.FAILED and check.hint else 0)
    shown = min(seen + 1, len(levels))
    for level, text in enumerate(levels[:shown], start=1):
        label = Text("hint {level} of {count}: ", "ヒント {level}/{count}: ").format(level=level, count=len(levels))
        lines.out.append(label(lang) + text(lang))
    if seen >= len(levels):
        lines.out.append(
            Text(
                "Every hint for this check has been shown. Compare your code with the stub's docstring, line by line.",
                "このチェックのヒントはすべて表示しました。スタブの docstring とコードを一行ずつ比べてください。",
            )(lang)
        )
        return lines
    try:
        save_hints_shown(workspace, number, check.name, shown)
    except OSError as problem:
        lines.warnings.append(f"grade: could not save the hints shown: {problem}")
    if shown < len(levels):
        lines.out.append(
            Text("More: grade hint {n} (hint {next} of {count})", "続き: grade hint {n}(ヒント {next}/{count})").format(
                n=number, next=shown + 1, count=len(levels)
            )(lang)
        )
    else:
        lines.out.append(Text("That was the last hint for this check.", "このチェックの最後のヒントです。")(lang))
    return lines


# --- questions in the terminal: the warm-up and grade quiz -------------------------------------------


def warm_up(number: int, path: Path, lang: str, *, input: TextIO, output: TextIO, seed: int | None = None) -> Lines:
    """``grade exercise N --warm-up``: ask the linked questions once, unless they were answered before."""
    from grader.learner.warmup import run_warm_up, warm_up_plan
    from grader.quiz.bank import load_bank

    lines = Lines()
    workspace = state_workspace(path)
    finished = warm_up_done(workspace, number)
    if finished:
        lines.out.append(
            Text(
                "Warm-up of exercise {n}: answered already ({when}); for more, take its quiz (grade list).",
                "課題 {n} のウォームアップは回答済みです({when})。続きは確認テストで(grade list)。",
            ).format(n=number, when=finished[:10])(lang)
        )
        return lines
    quizzes, _errors = load_bank()
    plan = warm_up_plan(number, quizzes)
    if not plan:
        lines.out.append(
            Text(
                "No confirmation test is linked to exercise {n}: no warm-up questions.",
                "課題 {n} に対応する確認テストがないため、ウォームアップはありません。",
            ).format(n=number)(lang)
        )
        return lines
    count = sum(len(ids) for _, ids in plan)
    output.write(
        Text(
            "Warm-up: {count} questions on the ideas behind exercise {n}, before your code is graded.\n\n",
            "ウォームアップ: 採点の前に、課題 {n} の考え方を問う {count} 問に答えてください。\n\n",
        ).format(count=count, n=number)(lang)
    )
    answers, asked = run_warm_up(plan, quizzes, lang, input=input, output=output, seed=seed)
    if len(answers) < asked:
        lines.out.append(
            Text(
                "Warm-up stopped: it is asked again the next time you use --warm-up. Grading exercise {n}:\n",
                "ウォームアップを中断しました。次に --warm-up を付けたときに再び出題します。課題 {n} を採点します:\n",
            ).format(n=number)(lang)
        )
        return lines
    try:
        save_warm_up(workspace, number, answers)
    except OSError as problem:
        lines.warnings.append(f"grade: could not save the warm-up: {problem}")
    right = sum(1 for answer in answers if answer["correct"])
    lines.out.append(
        Text(
            "Warm-up done: {right} of {count} right. Grading exercise {n}:\n",
            "ウォームアップ終了: {count} 問中 {right} 問正解。課題 {n} を採点します:\n",
        ).format(right=right, count=count, n=number)(lang)
    )
    return lines


def take_quiz(
    quiz: Quiz, lang: str, *, input: TextIO, output: TextIO, seed: int | None = None, review: bool = False
) -> Lines:
    """``grade quiz N`` in the terminal: ask, save the attempt, say what to do next.

    The status is 1 when the answers ran out before the last question (the
    attempt is not saved), else 0.
    """
    from grader.quiz.attempts import attempts, last_wrong, save_attempt
    from grader.quiz.terminal import run_quiz

    lines = Lines()
    workspace = find_workspace(Path.cwd())
    if workspace is None:  # never a stray ./.grade/ wherever the learner happens to be
        workspace = ensure_writable(user_data_dir())
        output.write(
            Text(
                "Not in a workspace: your quiz progress is kept in {folder} (DLGRADE_DATA_DIR changes it).\n\n",
                "ワークスペースの外です。確認テストの記録は {folder} に保存します"
                "(DLGRADE_DATA_DIR で変更できます)。\n\n",
            ).format(folder=workspace)(lang)
        )
    only_ids = None
    if review:
        if not attempts(workspace, quiz.number):
            lines.out.append(
                Text(
                    "No saved attempt at quiz {n} yet: take it first with grade quiz {n}",
                    "確認テスト {n} の記録がまだありません。先に grade quiz {n} で受けてください",
                ).format(n=quiz.number)(lang)
            )
            return lines
        known = {question.id for question in quiz.questions}
        only_ids = [question_id for question_id in last_wrong(workspace, quiz.number) if question_id in known]
        if not only_ids:
            lines.out.append(
                Text(
                    "Nothing to review: you answered every question right last time.",
                    "復習する問題はありません。前回はすべて正解でした。",
                )(lang)
            )
            return lines
    started = time.time()
    answers = run_quiz(quiz, input=input, output=output, seed=seed, only_ids=only_ids)
    from grader.learner.review import schedule_answers

    lines.warnings += schedule_answers(workspace, quiz.number, answers, lang)  # every answer counts for grade review
    asked = len(only_ids) if only_ids is not None else len(quiz.questions)
    if len(answers) < asked:
        lines.status = 1
        return lines
    try:
        path = save_attempt(workspace, quiz, answers, started, review=review)
    except OSError as problem:
        lines.warnings.append(
            Text("Could not save the attempt: {problem}", "記録を保存できませんでした: {problem}").format(
                problem=problem
            )(lang)
        )
        return lines
    lines.out.append(Text("Saved: {path}", "保存しました: {path}").format(path=relative(path))(lang))
    if any(not answer["correct"] for answer in answers):
        lines.out.append(
            Text(
                "Ask the wrong ones again: grade quiz {n} --review", "まちがえた問題をもう一度: grade quiz {n} --review"
            ).format(n=quiz.number)(lang)
        )
    return lines


def load_one_quiz(number: int, lang: str) -> Quiz:
    """Quiz ``number`` in ``lang``: a ``UsageError`` for an unknown number, the file's error for a broken one."""
    from grader.quiz.bank import load_bank, quiz_number, quiz_root

    root = quiz_root()
    available = sorted({n for n in map(quiz_number, root.glob("*/*.md")) if n is not None})
    if number not in available:
        listed = ", ".join(str(n) for n in available)
        raise UsageError(
            f"no quiz {number}; the quizzes are {listed or 'none'}. See: grade list",
            f"確認テスト {number} はありません。"
            + (f"確認テストは {listed} です(一覧: grade list)" if listed else "確認テストが 1 つもありません"),
        )
    quizzes, errors = load_bank(root, numbers=[number])
    if errors:
        raise QuizFilesError(errors)
    return quizzes[(number, lang)]


class QuizFilesError(GraderError):
    """Quiz files with errors: every one is named (exit status 3)."""

    def __init__(self, errors: Sequence[GraderError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors
