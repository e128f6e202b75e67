"""The ``grade`` command: a thin layer over ``grader.grading.engine``.

Exit status: 0 when every check passes, 1 when any check fails or is not
attempted, 2 on a usage error (unknown exercise, missing file, bad option).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import click

from grader.errors import GraderError, InputLimitError, UsageError
from grader.text import LANGUAGES, Text, default_language

EXERCISE_PATTERN = "ex{number:02d}_*.py"


class _SuggestingGroup(click.Group):
    """A group that suggests the closest command for a typo."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: D102
        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-"):
            close = difflib.get_close_matches(name, list(self.commands), n=1)
            advice = f" Did you mean 'grade {close[0]}'?" if close else ""
            ctx.fail(f"no command '{name}'.{advice} See: grade --help")
        return super().resolve_command(ctx, args)


def find_workspace(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that has an ``exercises/`` folder."""
    for folder in (start, *start.parents):
        if (folder / "exercises").is_dir():
            return folder
    return None


def exercise_file(number: int, file: Path | None) -> Path:
    """The file to grade: ``--file`` or the workspace's ``exercises/exNN_*.py``."""
    if file is not None:
        if not file.is_file():
            raise UsageError(f"no such file: {file}")
        return file
    workspace = find_workspace(Path.cwd())
    if workspace is None:
        raise UsageError(
            "no exercises/ folder here or in any folder above; "
            "cd into your workspace, or name the file: grade exercise N --file PATH"
        )
    found = sorted((workspace / "exercises").glob(EXERCISE_PATTERN.format(number=number)))
    if not found:
        raise UsageError(
            f"no exercises/ex{number:02d}_*.py in {workspace}; name the file: grade exercise N --file PATH"
        )
    return found[0]


def _language_option(function):
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        default=None,
        help="Language of the feedback (default: from the locale, LANG=ja_JP.UTF-8 gives ja).",
    )(function)


@click.group(cls=_SuggestingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dlgrade", prog_name="grade")
def main() -> None:
    """Grade Deep Learning from Scratch / E資格 exercises.

    \b
    grade init DIR              make a workspace of your own (stubs, README)
    Fill in exercises/exNN_*.py, then:
      grade exercise 3            grade your exercise 3
      grade exercise 3 --lang ja  feedback in Japanese
      grade exercise 3 --warm-up  2-3 quiz questions first, then grade
      grade watch 3               grade again on every save (Ctrl-C stops)
      grade hint 3                the next hint for the first failing check
      grade list                  every exercise, how far you are, quiz scores
      grade quiz 3                take confirmation test 3 in the terminal
      grade quiz 3 --review       ask again what you got wrong last time
    """  # noqa: D301 (click needs a real backspace to keep the lines)


@main.command()
@click.argument("number", type=int, metavar="N")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Grade this file instead of exercises/exNN_*.py of the workspace: a .py file, or a Jupyter "
    "notebook (.ipynb: its code cells in order; magics and shell lines are left out).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "gradescope"]),
    default="text",
    show_default=True,
    help="text for people; json or gradescope (results.json) for machines.",
)
@_language_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=None,
    help="Seconds one graded call may run (default: the exercise's own, usually 5).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=2,
    show_default=True,
    help="Checks run at once.",
)
@click.option(
    "--warm-up",
    "warm_up",
    is_flag=True,
    help="Before the first grading, answer 2-3 quiz questions on the exercise's ideas.",
)
@click.option("--warm-up-seed", type=click.IntRange(min=0), default=None, hidden=True)
def exercise(
    number: int,
    file: Path | None,
    output_format: str,
    lang: str | None,
    timeout: float | None,
    jobs: int,
    warm_up: bool,
    warm_up_seed: int | None,
) -> None:
    """Grade exercise N and explain every failed check."""
    from grader.grading.engine import get_exercise, grade_exercise

    lang = lang or default_language()
    if warm_up and output_format != "text":
        raise click.UsageError(
            f"--warm-up asks questions in the terminal; it does not go with --format {output_format}"
        )
    try:
        get_exercise(number)
        path = exercise_file(number, file)
        if warm_up:
            _warm_up(number, path, lang, warm_up_seed)
        if path.suffix == ".ipynb":
            from grader.notebook import grade_notebook_file

            result = grade_notebook_file(number, path, timeout=timeout, jobs=jobs)
        else:
            result = grade_exercise(number, path, timeout=timeout, jobs=jobs)
    except InputLimitError as problem:  # the command was right; what it was given is too big or too deep
        click.echo(f"grade: {problem.ja if lang == 'ja' and problem.ja else problem}", err=True)
        sys.exit(2)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    except GraderError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    _remember(result, path)

    if output_format == "json":
        click.echo(json.dumps(result.to_json(lang), ensure_ascii=False, indent=2))
    elif output_format == "gradescope":
        click.echo(json.dumps(result.to_gradescope(lang), ensure_ascii=False, indent=2))
    else:
        click.echo(result.to_text(lang, colour=sys.stdout.isatty()))
    sys.exit(0 if result.passed else 1)


@main.command(name="list")
@_language_option
def list_exercises(lang: str | None) -> None:
    """List the exercises, your files and how far you are (from the last grading), and the quizzes."""
    from grader.grading.engine import EXERCISES

    lang = lang or default_language()
    workspace = find_workspace(Path.cwd())
    for number, info in sorted(EXERCISES.items()):
        status = ""
        if workspace is not None:
            found = sorted((workspace / "exercises").glob(EXERCISE_PATTERN.format(number=number)))
            name = found[0].name if found else Text("(file missing)", "(ファイルなし)")(lang)
            status = f"{name}{' ' * (28 - _columns(name))} {_exercise_state(workspace, number, lang)}"
        title = info.title(lang)
        click.echo(f"{number:2d}  {title}{' ' * (45 - _columns(title))} {status}".rstrip())
    if workspace is None:
        click.echo(
            Text(
                "\nNo exercises/ folder here or above: cd into your workspace to see your files.",
                "\nこのフォルダより上に exercises/ がありません。ワークスペースに移動してください。",
            )(lang)
        )
    _list_quizzes(lang, workspace or Path.cwd())


def _columns(text: str) -> int:
    """Terminal columns ``text`` takes (a CJK character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _list_quizzes(lang: str, workspace: Path) -> None:
    """The second table of ``grade list``: every quiz, its title and your best score."""
    from grader.quiz.attempts import best_score
    from grader.quiz.bank import load_bank

    quizzes, errors = load_bank()
    numbers = sorted({number for number, _ in quizzes} | {_quiz_number(error.path) for error in errors} - {None})
    if not numbers:
        return
    click.echo(Text("\nConfirmation tests (grade quiz N):", "\n確認テスト（grade quiz N）:")(lang))
    width = max([45] + [_columns(quiz.title) for (_, quiz_lang), quiz in quizzes.items() if quiz_lang == lang])
    for number in numbers:
        quiz = quizzes.get((number, lang))
        if quiz is None:
            click.echo(
                f"{number:2d}  "
                + Text("(has an error: see grade quiz {n})", "(エラーあり: grade quiz {n} を参照)")(lang).format(
                    n=number
                )
            )
            continue
        best = best_score(workspace, number)
        if best is None:
            status = Text("not taken yet", "未受験")(lang)
        else:
            status = Text("best {score}/{total}", "最高 {score}/{total}").format(
                score=f"{best[0]:g}", total=f"{best[1]:g}"
            )(lang)
        click.echo(f"{number:2d}  {quiz.title}{' ' * (width - _columns(quiz.title))} {status}")


def _quiz_number(path: Path) -> int | None:
    from grader.quiz.bank import FILE_NAME

    named = FILE_NAME.match(Path(path).name)
    return int(named.group("number")) if named else None


def _load_one_quiz(number: int, lang: str):
    """Quiz ``number`` in ``lang``; a usage error for an unknown number, exit 3 for a broken file."""
    from grader.quiz.bank import load_bank, quiz_root

    root = quiz_root()
    available = sorted({n for n in map(_quiz_number, root.glob("*/*.md")) if n is not None})
    if number not in available:
        listed = ", ".join(str(n) for n in available) or "none"
        raise click.UsageError(f"no quiz {number}; the quizzes are {listed}. See: grade list")
    quizzes, errors = load_bank(root, numbers=[number])
    if errors:
        for error in errors:
            click.echo(f"grade: {error}", err=True)
        sys.exit(3)
    return quizzes[(number, lang)]


@main.command(name="quiz")
@click.argument("number", type=int, metavar="[N]", required=False)
@_language_option
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Fix the order of the options.")
@click.option("--review", is_flag=True, help="Ask only the questions you got wrong last time.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="OUT",
    help="Write the quiz as one self-contained HTML page.",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write every quiz in both languages, with an index page, to DIR.",
)
@click.option(
    "--export",
    "export_format",
    type=click.Choice(["moodle-xml", "gift"]),
    default=None,
    help="Print the quiz for import into Moodle (math kept as TeX).",
)
@click.option(
    "-o",
    "--output",
    "output_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="With --export: write to FILE instead of standard output.",
)
def quiz_command(
    number: int | None,
    lang: str | None,
    seed: int | None,
    review: bool,
    html_out: Path | None,
    site_dir: Path | None,
    export_format: str | None,
    output_file: Path | None,
) -> None:
    """Take confirmation test N in the terminal, or build it as HTML or for Moodle.

    \b
    grade quiz 3                  one question at a time; answer by letter
    grade quiz 3 --review         only the questions you got wrong last time
    grade quiz 3 --html q3.html   one self-contained page
    grade quiz --site site/       every quiz, both languages, and an index
    grade quiz 3 --export gift -o q3.gift

    Exit status: 0 when done, 1 when the answers stopped before the last
    question, 2 on a usage error, 3 when a quiz file has an error.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    outputs = [
        name for name, value in (("--html", html_out), ("--site", site_dir), ("--export", export_format)) if value
    ]
    if len(outputs) > 1:
        raise click.UsageError(f"{' and '.join(outputs)} can not be combined; choose one")
    if review and outputs:
        raise click.UsageError(f"--review asks questions in the terminal; it does not go with {outputs[0]}")
    if output_file is not None and export_format is None:
        raise click.UsageError("-o/--output names the file for --export; for a page use --html OUT")
    if number is None and site_dir is None:
        raise click.UsageError("name a quiz: grade quiz N (see grade list), or build every page: grade quiz --site DIR")
    lang = lang or default_language()

    if site_dir is not None:
        _write_site(site_dir, number)
        return
    quiz = _load_one_quiz(number, lang)
    if export_format is not None:
        from grader.quiz.moodle import to_gift, to_moodle_xml

        text = to_moodle_xml(quiz) if export_format == "moodle-xml" else to_gift(quiz)
        if output_file is None:
            click.echo(text, nl=False)
        else:
            output_file.write_text(text, encoding="utf-8")
            click.echo(Text("Wrote {path}", "{path} に書き出しました").format(path=output_file)(lang), err=True)
        return
    if html_out is not None:
        from grader.quiz.page import render_quiz_page

        html_out.write_text(render_quiz_page(quiz, seed=seed), encoding="utf-8")
        click.echo(Text("Wrote {path}", "{path} に書き出しました").format(path=html_out)(lang))
        return
    _take_quiz(quiz, lang, seed, review)


def _write_site(site_dir: Path, number: int | None) -> None:
    from grader.quiz.bank import load_bank
    from grader.quiz.page import write_site

    quizzes, errors = load_bank(numbers=None if number is None else [number])
    for error in errors:
        click.echo(f"grade: {error}", err=True)
    written = write_site(site_dir, [quizzes[key] for key in sorted(quizzes)])
    click.echo(f"{len(written)} pages in {site_dir}")
    if errors:
        left_out = sorted({n for n in map(_quiz_number, (error.path for error in errors)) if n is not None})
        click.echo(f"left out because of the errors above: quiz {', '.join(map(str, left_out))}", err=True)
        sys.exit(3)


def _take_quiz(quiz, lang: str, seed: int | None, review: bool) -> None:
    import time

    from grader.quiz.attempts import attempts, last_wrong, save_attempt
    from grader.quiz.terminal import run_quiz

    workspace = find_workspace(Path.cwd()) or Path.cwd()
    only_ids = None
    if review:
        if not attempts(workspace, quiz.number):
            click.echo(
                Text(
                    "No saved attempt at quiz {n} yet: take it first with grade quiz {n}",
                    "確認テスト {n} の記録がまだありません。先に grade quiz {n} で受けてください",
                ).format(n=quiz.number)(lang)
            )
            return
        known = {question.id for question in quiz.questions}
        only_ids = [question_id for question_id in last_wrong(workspace, quiz.number) if question_id in known]
        if not only_ids:
            click.echo(
                Text(
                    "Nothing to review: you answered every question right last time.",
                    "復習する問題はありません。前回はすべて正解でした。",
                )(lang)
            )
            return
    started = time.time()
    answers = run_quiz(
        quiz,
        input=sys.stdin,
        output=sys.stdout,
        seed=seed,
        only_ids=only_ids,
    )
    asked = len(only_ids) if only_ids is not None else len(quiz.questions)
    if len(answers) < asked:
        sys.exit(1)
    try:
        path = save_attempt(workspace, quiz, answers, started, review=review)
    except OSError as problem:
        click.echo(
            Text("Could not save the attempt: {problem}", "記録を保存できませんでした: {problem}").format(
                problem=problem
            )(lang),
            err=True,
        )
        return
    click.echo(Text("Saved: {path}", "保存しました: {path}").format(path=_relative(path))(lang))
    if any(not answer["correct"] for answer in answers):
        click.echo(
            Text(
                "Ask the wrong ones again: grade quiz {n} --review", "まちがえた問題をもう一度: grade quiz {n} --review"
            ).format(n=quiz.number)(lang)
        )


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- the learner's workspace: init, status, watch, hints, warm-up -------------------------


def _state_workspace(path: Path) -> Path:
    """Where ``.grade/`` goes for ``path``: its workspace, else the current one, else the current folder."""
    return find_workspace(path.resolve().parent) or find_workspace(Path.cwd()) or Path.cwd()


def _remember(result, path: Path) -> None:
    """Keep ``result`` as the last grading for ``grade list`` when ``path`` is the learner's own file."""
    from grader.learner.workspace import is_learners_file, record_result

    workspace = find_workspace(path.resolve().parent)
    if workspace is None or not is_learners_file(workspace, path):
        return
    try:
        record_result(workspace, result, path)
    except OSError as problem:
        click.echo(f"grade: could not save the result in {workspace / '.grade'}: {problem}", err=True)


def _exercise_state(workspace: Path, number: int, lang: str) -> str:
    """``passed``, ``failing (5 of 8 checks pass)`` or ``not attempted``, from the last grading."""
    from grader.grading.results import Status
    from grader.learner.workspace import exercise_status

    status = exercise_status(workspace, number)
    if status.state == Status.PASSED:
        text = Text("passed", "合格")
    elif status.state == Status.FAILED:
        text = Text("failing ({passing} of {total} checks pass)", "不合格({total} 件中 {passing} 件合格)").format(
            passing=status.passing, total=status.total
        )
    else:
        text = Text("not attempted", "未着手")
    if status.edited_since:
        text = Text(text.en + ", edited since", text.ja + "、採点後に編集あり")
    return text(lang)


def _grade_file(number: int, path: Path, timeout: float | None, jobs: int = 2):
    """Grade ``path`` as exercise ``number``: a ``.py`` file, or the code cells of a notebook."""
    if path.suffix == ".ipynb":
        from grader.notebook import grade_notebook_file

        return grade_notebook_file(number, path, timeout=timeout, jobs=jobs)
    from grader.grading.engine import grade_exercise

    return grade_exercise(number, path, timeout=timeout, jobs=jobs)


def _grade_or_exit(number: int, file: Path | None, timeout: float | None):
    """Grade exercise ``number``: the result and the file graded (exit 2 or 3 on a problem)."""
    from grader.grading.engine import get_exercise

    try:
        get_exercise(number)
        path = exercise_file(number, file)
        result = _grade_file(number, path, timeout)
    except InputLimitError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(2)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    except GraderError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    _remember(result, path)
    return result, path


def _file_option(function):
    return click.option(
        "--file",
        "file",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Use this file instead of exercises/exNN_*.py of the workspace.",
    )(function)


def _timeout_option(function):
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1, max=600),
        default=None,
        help="Seconds one graded call may run (default: the exercise's own, usually 5).",
    )(function)


@main.command(name="init")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--allow-nonempty",
    is_flag=True,
    help="Also set up a folder that already holds other files (nothing is overwritten).",
)
@_language_option
def init_command(folder: Path, allow_nonempty: bool, lang: str | None) -> None:
    """Make DIR a workspace of your own: the exercise stubs, a README, your progress.

    \b
    grade init dl-exercises      then: cd dl-exercises && grade exercise 1

    Nothing of yours is ever overwritten: in an existing workspace only the
    missing stubs (and README.md) are added, and the files kept are listed.
    A folder that holds other files and is not a workspace is refused (exit
    2) unless --allow-nonempty is given.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.learner.workspace import init_workspace

    lang = lang or default_language()
    try:
        done = init_workspace(folder, allow_nonempty=allow_nonempty)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    except GraderError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    stubs = [path for path in done.created if path.suffix == ".py"]
    if done.created:
        click.echo(Text("Set up {folder}:", "{folder} を準備しました:").format(folder=_relative(folder))(lang))
        if stubs:
            click.echo(
                Text("  exercises/  {count} stubs to fill in", "  exercises/  実装するスタブ {count} 個").format(
                    count=len(stubs)
                )(lang)
            )
        if folder / "README.md" in done.created:
            click.echo(Text("  README.md   how to work (English, 日本語)", "  README.md   使い方(英語・日本語)")(lang))
        if folder / ".grade" in done.created:
            click.echo(Text("  .grade/     your progress", "  .grade/     進み具合の記録")(lang))
    else:
        click.echo(
            Text(
                "{folder} is a complete workspace already: nothing to add.",
                "{folder} はすでに完全なワークスペースです。追加するものはありません。",
            ).format(folder=_relative(folder))(lang)
        )
    if done.kept:
        click.echo(Text("Kept as they are (yours, not changed):", "そのまま残したファイル(変更していません):")(lang))
        for path in done.kept:
            click.echo(f"  {path.relative_to(folder).as_posix()}")
    click.echo(Text("Next:", "次に:")(lang))
    if folder.resolve() != Path.cwd().resolve():
        click.echo(f"  cd {_relative(folder)}")
    click.echo("  grade exercise 1")


@main.command(name="watch")
@click.argument("number", type=int, metavar="N")
@_file_option
@_language_option
@_timeout_option
@click.option("--max-runs", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--interval", type=click.FloatRange(min=0.01, max=10), default=0.3, hidden=True)
def watch_command(
    number: int, file: Path | None, lang: str | None, timeout: float | None, max_runs: int | None, interval: float
) -> None:
    """Grade exercise N again every time you save its file; show only what changed.

    The first grading shows the full report; after each save, the checks that
    now pass, now fail, or fail for another reason.  Ctrl-C stops.
    """
    from grader.grading.engine import get_exercise
    from grader.learner.watch import compare, render_changes, watch

    lang = lang or default_language()
    colour = sys.stdout.isatty()
    try:
        get_exercise(number)
        path = exercise_file(number, file)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None

    def grade_once():
        try:
            result = _grade_file(number, path, timeout)
        except GraderError as problem:
            click.echo(f"grade: {problem}", err=True)
            return None
        _remember(result, path)
        return result

    def show(result, previous) -> None:
        if previous is None:
            click.echo(result.to_text(lang, colour=colour))
        else:
            click.echo("\n" + render_changes(compare(previous, result), result, lang, colour=colour))

    def waiting() -> None:
        click.echo(
            Text(
                "\nWatching {path}: save it to grade again (Ctrl-C stops).",
                "\n{path} を監視しています。保存すると再採点します(Ctrl-C で終了)。",
            ).format(path=_relative(path))(lang)
        )

    try:
        watch(path, grade_once, show, waiting=waiting, interval=interval, max_runs=max_runs)
    except KeyboardInterrupt:
        click.echo(Text("\nStopped watching.", "\n監視を終了しました。")(lang))


@main.command(name="hint")
@click.argument("number", type=int, metavar="N")
@_file_option
@_language_option
@_timeout_option
def hint_command(number: int, file: Path | None, lang: str | None, timeout: float | None) -> None:
    """Show the next hint for the first failing check of exercise N.

    Hints go from a gentle nudge to the near-answer.  A failed check shows the
    first one; each run of grade hint N adds the next (remembered in .grade/).
    """
    from dataclasses import replace

    from grader.grading.feedback import LABELS, check_detail
    from grader.grading.hints import hint_ladders, ladder
    from grader.grading.results import Status
    from grader.learner.workspace import hints_shown, save_hints_shown

    lang = lang or default_language()
    result, path = _grade_or_exit(number, file, timeout)
    failing = [check for check in result.results if check.status == Status.FAILED]
    failing = failing or [check for check in result.results if check.status == Status.NOT_ATTEMPTED]
    if not failing:
        click.echo(
            Text(
                "Every check of exercise {n} passes: no hint needed.",
                "課題 {n} のチェックはすべて合格です。ヒントは必要ありません。",
            ).format(n=number)(lang)
        )
        return
    check = failing[0]
    levels = ladder(check, hint_ladders(result.exercise.number))
    click.echo(Text("Exercise {n}: ", "課題 {n}: ").format(n=number)(lang) + result.exercise.title(lang))
    click.echo(f"{LABELS[check.status]}  {check.title(lang)}  ({check.score:g}/{check.max_score:g})")
    for line in check_detail(replace(check, hint=None), lang):
        click.echo(line)
    if not levels:
        click.echo(
            Text(
                "No hints for this check: the lines above say what went wrong.",
                "このチェックにはヒントがありません。上の行に何が違うかが書かれています。",
            )(lang)
        )
        return
    workspace = _state_workspace(path)
    # the report of a failed check has shown the first level already
    seen = max(hints_shown(workspace, number, check.name), 1 if check.status == Status.FAILED and check.hint else 0)
    shown = min(seen + 1, len(levels))
    for level, text in enumerate(levels[:shown], start=1):
        click.echo(
            Text("hint {level} of {count}: ", "ヒント {level}/{count}: ").format(level=level, count=len(levels))(lang)
            + text(lang)
        )
    if seen >= len(levels):
        click.echo(
            Text(
                "Every hint for this check has been shown. Compare your code with the stub's docstring, line by line.",
                "このチェックのヒントはすべて表示しました。スタブの docstring とコードを一行ずつ比べてください。",
            )(lang)
        )
        return
    try:
        save_hints_shown(workspace, number, check.name, shown)
    except OSError as problem:
        click.echo(f"grade: could not save the hints shown: {problem}", err=True)
    if shown < len(levels):
        click.echo(
            Text("More: grade hint {n} (hint {next} of {count})", "続き: grade hint {n}(ヒント {next}/{count})").format(
                n=number, next=shown + 1, count=len(levels)
            )(lang)
        )
    else:
        click.echo(Text("That was the last hint for this check.", "このチェックの最後のヒントです。")(lang))


def _warm_up(number: int, path: Path, lang: str, seed: int | None) -> None:
    """Ask the warm-up questions of exercise ``number`` unless they were answered before."""
    from grader.learner.warmup import run_warm_up, warm_up_plan
    from grader.learner.workspace import save_warm_up, warm_up_done
    from grader.quiz.bank import load_bank

    workspace = _state_workspace(path)
    finished = warm_up_done(workspace, number)
    if finished:
        click.echo(
            Text(
                "Warm-up of exercise {n}: answered already ({when}); for more, take its quiz (grade list).",
                "課題 {n} のウォームアップは回答済みです({when})。続きは確認テストで(grade list)。",
            ).format(n=number, when=finished[:10])(lang)
        )
        return
    quizzes, _errors = load_bank()
    plan = warm_up_plan(number, quizzes)
    if not plan:
        click.echo(
            Text(
                "No confirmation test is linked to exercise {n}: no warm-up questions.",
                "課題 {n} に対応する確認テストがないため、ウォームアップはありません。",
            ).format(n=number)(lang)
        )
        return
    count = sum(len(ids) for _, ids in plan)
    click.echo(
        Text(
            "Warm-up: {count} questions on the ideas behind exercise {n}, before your code is graded.\n",
            "ウォームアップ: 採点の前に、課題 {n} の考え方を問う {count} 問に答えてください。\n",
        ).format(count=count, n=number)(lang)
    )
    answers, asked = run_warm_up(
        plan,
        quizzes,
        lang,
        input=sys.stdin,
        output=sys.stdout,
        seed=seed,
    )
    if len(answers) < asked:
        click.echo(
            Text(
                "Warm-up stopped: it is asked again the next time you use --warm-up. Grading exercise {n}:\n",
                "ウォームアップを中断しました。次に --warm-up を付けたときに再び出題します。課題 {n} を採点します:\n",
            ).format(n=number)(lang)
        )
        return
    try:
        save_warm_up(workspace, number, answers)
    except OSError as problem:
        click.echo(f"grade: could not save the warm-up: {problem}", err=True)
    right = sum(1 for answer in answers if answer["correct"])
    click.echo(
        Text(
            "Warm-up done: {right} of {count} right. Grading exercise {n}:\n",
            "ウォームアップ終了: {count} 問中 {right} 問正解。課題 {n} を採点します:\n",
        ).format(right=right, count=count, n=number)(lang)
    )


def _parse_exercises(text: str | None) -> set[int] | None:
    """``1-5,7`` to {1, 2, 3, 4, 5, 7}; None for all."""
    if not text:
        return None
    numbers: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        try:
            numbers.update(range(int(low), int(high or low) + 1))
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a number or range like 1-5") from None
    return numbers


class _Progress:
    """A one-line progress report with the rate and an estimate of the time left."""

    def __init__(self) -> None:
        import time

        self.clock = time.monotonic
        self.started = self.clock()
        self.tty = sys.stderr.isatty()
        self.last_shown = -1

    def __call__(self, done: int, total: int, task, result) -> None:
        if total == 0:
            return
        elapsed = self.clock() - self.started
        rate = done / elapsed if elapsed > 0 and done else 0.0
        left = (total - done) / rate if rate else 0.0
        width = 30
        bar = "#" * (width * done // total) + "-" * (width - width * done // total)
        line = f"[{bar}] {done}/{total} graded, {rate:.1f}/s, about {left:.0f} s left"
        if self.tty:
            click.echo("\r" + line, nl=done == total, err=True)
        elif done == total or done * 10 // total != self.last_shown:
            self.last_shown = done * 10 // total
            click.echo(line, err=True)


@main.command()
@click.argument("class_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("gradebook.sqlite"),
    show_default=True,
    help="The SQLite gradebook to write (created when missing).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Submissions graded at once (default: the number of CPU cores).",
)
@click.option(
    "--exercises",
    "exercise_list",
    default=None,
    metavar="LIST",
    help="Only these exercises, e.g. 1-5 or 1,3 (default: every exercise file found).",
)
@click.option("--force", is_flag=True, help="Grade again even what has not changed since the last run.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=None,
    help="Seconds one graded call may run (default: each exercise's own).",
)
def batch(
    class_dir: Path, db: Path, jobs: int | None, exercise_list: str | None, force: bool, timeout: float | None
) -> None:
    """Grade a whole class into a gradebook.

    \b
    CLASS_DIR holds one folder per learner (as LMS bulk downloads and GitHub
    Classroom clones produce) with that learner's exNN_*.py files and quiz
    attempt files.  Re-running grades only what changed; an interrupted run
    keeps everything graded so far.  Then: grade report --db gradebook.sqlite
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.batch import run_batch
    from grader.classroom.gradebook import Gradebook

    jobs = jobs or os.cpu_count() or 1
    try:
        with Gradebook(db) as gradebook:
            summary = run_batch(
                class_dir,
                gradebook,
                jobs=jobs,
                exercises=_parse_exercises(exercise_list),
                force=force,
                timeout=timeout,
                progress=_Progress(),
            )
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    except GraderError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: everything graded so far is in the gradebook; run again to resume", err=True)
        sys.exit(130)
    for error in summary.bank_errors:
        click.echo(f"grade: warning: {error}", err=True)
    if summary.bank_errors:
        click.echo(
            "grade: warning: attempts at the quizzes left out were not imported (noted per learner); "
            "fix the quiz files, then run grade batch again",
            err=True,
        )
    click.echo(
        f"{summary.learners} learners: {summary.graded} graded, {summary.skipped} unchanged (skipped), "
        f"{summary.failed} could not be graded, {summary.attempts} quiz attempts imported, "
        f"{summary.problems} file problems noted; {summary.seconds:.1f} s"
        + (f" ({summary.rate:.1f} gradings/s)" if summary.graded else "")
    )
    click.echo(f"gradebook: {db}")


@main.command(name="report")
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("gradebook.sqlite"),
    show_default=True,
    help="The gradebook written by grade batch.",
)
@click.option(
    "--html",
    "html_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write DIR/report.html: one self-contained page (overview, misconceptions, items, learners).",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write learners.csv, grades.csv (for LMS import), items.csv and misconceptions.csv to DIR.",
)
@_language_option
def report_command(db: Path, html_dir: Path | None, csv_dir: Path | None, lang: str | None) -> None:
    """Report on a graded class: an HTML page and CSV files.

    \b
    grade report --html out/ --csv out/           both, from ./gradebook.sqlite
    grade report --db fall.sqlite --html out/ --lang ja
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.gradebook import GradebookError
    from grader.classroom.report import write_report

    if html_dir is None and csv_dir is None:
        raise click.UsageError("say what to write: --html DIR for the page, --csv DIR for the CSV files, or both")
    if not db.is_file():
        raise click.UsageError(f"no gradebook at {db}; grade the class first: grade batch CLASS_DIR --db {db}")
    lang = lang or default_language()
    try:
        written, report, seconds = write_report(db, html_dir=html_dir, csv_dir=csv_dir, lang=lang)
    except GradebookError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    except OSError as problem:
        click.echo(
            f"grade: the report could not be written ({problem.strerror}: {problem.filename}); "
            "free some space or name writable folders with --html and --csv",
            err=True,
        )
        sys.exit(3)
    for error in report.bank_errors:
        click.echo(f"grade: warning: {error}", err=True)
    if report.bank_errors:
        click.echo(
            Text(
                "grade: warning: the quiz files above were left out; attempts at their quizzes are analysed "
                "on question ids only",
                "grade: 警告: 上の確認テストのファイルは読み込みませんでした。その受験は問題 ID だけで分析しています",
            )(lang),
            err=True,
        )
    for path in written:
        click.echo(Text("Wrote {path}", "{path} に書き出しました").format(path=path)(lang))
    click.echo(
        Text(
            "{learners} learners, {exercises} exercises, {quizzes} quizzes; {seconds:.1f} s",
            "受講者 {learners} 人、課題 {exercises}、確認テスト {quizzes}。{seconds:.1f} 秒",
        ).format(
            learners=len(report.learners),
            exercises=len(report.exercises),
            quizzes=len(report.quizzes),
            seconds=seconds,
        )(lang)
    )


@main.command(name="gradescope")
@click.argument("exercises", nargs=-1, required=True, type=int, metavar="EXERCISE...")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("autograder.zip"),
    show_default=True,
    metavar="ZIP",
    help="The autograder bundle to write.",
)
@_language_option
def gradescope_command(exercises: tuple[int, ...], output: Path, lang: str | None) -> None:
    """Build a Gradescope autograder (setup.sh, run_autograder) for EXERCISE...

    \b
    grade gradescope 1 2 3 -o autograder.zip
    Upload the zip under Configure Autograder; each check becomes one test.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.gradescope import build_bundle, describe

    lang = lang or default_language()
    try:
        names = build_bundle(exercises, output, lang=lang)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    click.echo(describe(names, exercises, output))


def run() -> None:
    """Entry point of the ``grade`` command: ``main``, then a quick exit.

    Everything has been printed by then; tearing down NumPy's modules at
    interpreter exit only costs time (tens of milliseconds per run).
    """
    try:
        main()
        status = 0
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
