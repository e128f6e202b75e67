"""The ``grade`` command: parse the command line, call a plain function, print what it says.

The commands' work is done in plain functions (``grader.learner.commands``,
``grader.classroom``, ``grader.quiz``); errors are ``grader.errors``
exceptions, mapped to exit statuses in one place (``_GradeCommand.invoke``):
0 when every check passes, 1 when a check fails or is not attempted (or a quiz
stopped early), 2 on a usage error (unknown exercise, missing file, bad
option, input too big to read), 3 when the grader could not do its job.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from grader.errors import GraderError, InputLimitError, UsageError
from grader.text import LANGUAGES, Text, default_language

LANG_KEY = "grade.lang"


class _GradeCommand(click.Command):
    """A subcommand whose ``GraderError`` becomes its exit status, in this one place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:  # noqa: D102
        lang = _asked_language(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as problem:  # click's own wording is English
            japanese = _click_message_ja(problem.format_message()) if lang == "ja" else None
            if japanese is None:
                raise
            raise _JapaneseUsageError(japanese, ctx) from None

    def invoke(self, ctx: click.Context) -> object:  # noqa: D102
        try:
            return super().invoke(ctx)
        except InputLimitError as problem:  # the command was right; what it was given is too big or too deep
            _fail(problem.in_language(ctx.meta.get(LANG_KEY, "en")), problem.exit_code)
        except UsageError as problem:  # in Japanese when it has a translation and --lang ja was given
            lang = ctx.meta.get(LANG_KEY, "en")
            shown = _JapaneseUsageError if lang == "ja" and problem.ja else click.UsageError
            raise shown(problem.in_language(lang), ctx) from None
        except GraderError as problem:
            _fail(problem.in_language(ctx.meta.get(LANG_KEY, "en")), problem.exit_code)
        return None


class _JapaneseUsageError(click.UsageError):
    """A usage error whose message is Japanese, framed in Japanese too (click's frame is English)."""

    def show(self, file=None) -> None:  # noqa: D102
        if self.ctx is not None:
            usage = self.ctx.get_usage().replace("Usage:", "使い方:", 1)
            click.echo(f"{usage}\n詳しくは: {self.ctx.command_path} --help", err=True)
        click.echo(f"エラー: {self.format_message()}", err=True)


# click's messages for a mistyped command line, in Japanese (click ships no Japanese catalogue)
_VALUE = r"Invalid value for '(?P<name>[^']+)': "
_CLICK_JA = (
    (_VALUE + r"'(?P<value>.*)' is not a valid integer( range)?\.", "{name} の値 '{value}' は整数ではありません"),
    (_VALUE + r"'(?P<value>.*)' is not a valid float( range)?\.", "{name} の値 '{value}' は数値ではありません"),
    (_VALUE + r"(?P<value>.*) is not in the range (?P<range>.+)\.", "{name} の値 {value} は範囲 {range} の外です"),
    (
        _VALUE + r"'(?P<value>.*)' is not one of (?P<choices>.+)\.",
        "{name} の値 '{value}' は使えません。使える値: {choices}",
    ),
    (_VALUE + r"File '(?P<value>.*)' is a directory\.", "{name} の {value} はフォルダです。ファイルを指定してください"),
    (
        r"No such option '(?P<name>[^']+)'\. Did you mean '(?P<close>[^']+)'\?",
        "{name} というオプションはありません。{close} のことですか?",
    ),
    (r"No such option '(?P<name>[^']+)'\.", "{name} というオプションはありません"),
    (r"Missing argument '(?P<name>[^']+)'\.", "引数 {name} がありません"),
    (r"Option '(?P<name>[^']+)' requires an argument\.", "{name} には値が必要です"),
    (r"Got unexpected extra arguments? \((?P<name>.*)\)", "余分な引数があります: {name}"),
)


def _click_message_ja(message: str) -> str | None:
    """Click's usage message in Japanese, or None when it is not one of those known."""
    for pattern, japanese in _CLICK_JA:
        found = re.fullmatch(pattern, message)
        if found:
            return japanese.format(**found.groupdict())
    return None


def _asked_language(args: list[str]) -> str:
    """The language a command line asks for (``--lang ja``, ``--lang=ja``), else the locale's, before parsing."""
    asked = None  # the last one counts, as for click
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            asked = args[index + 1]
        elif arg.startswith("--lang="):
            asked = arg.removeprefix("--lang=")
    return asked or default_language()


def _fail(message: str, status: int) -> None:
    for line in message.splitlines() or [""]:
        click.echo(f"grade: {line}", err=True)
    sys.exit(status)


def _echo(lines, colour: bool | None = None) -> None:  # a grader.learner.commands.Lines
    for line in lines.warnings:
        click.echo(line, err=True)
    for line in lines.out:
        click.echo(line, color=colour)  # None: click strips colour codes when not printing to a terminal
    if lines.status:
        sys.exit(lines.status)


class _SuggestingGroup(click.Group):
    """A group that suggests the closest command for a typo."""

    command_class = _GradeCommand

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: D102
        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-"):
            import difflib  # only for a typo: a few milliseconds of every start otherwise

            close = difflib.get_close_matches(name, list(self.commands), n=1)
            if _asked_language(args) == "ja":
                advice = f"grade {close[0]} のことですか? " if close else ""
                raise _JapaneseUsageError(f"{name} というコマンドはありません。{advice}一覧: grade --help", ctx)
            path = " ".join(["grade", *ctx.command_path.split()[1:]])  # grade, or grade server
            advice = f" Did you mean '{path} {close[0]}'?" if close else ""
            ctx.fail(f"no command '{name}'.{advice} See: {path} --help")
        return super().resolve_command(ctx, args)


def _remember_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """The --lang given, else the locale's; kept where the error mapping can read it."""
    lang = value or default_language()
    ctx.meta[LANG_KEY] = lang
    return lang


def _no_server_option(function):
    # read by grader.launch before click runs: here it is only accepted and documented
    return click.option(
        "--no-server",
        "no_server",
        is_flag=True,
        help="Grade in this process, without the warm grading server (also: DLGRADE_NO_SERVER=1).",
    )(function)


def _language_option(function):
    return click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        default=None,
        callback=_remember_language,
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
      grade solution 3            after a pass: the worked solution next to yours
      grade list                  every exercise, how far you are, quiz scores
      grade quiz 3                take confirmation test 3 in the terminal
      grade quiz 3 --review       ask again what you got wrong last time
      grade review                the quiz questions due today, all quizzes
      grade exam                  a timed E資格-style mock exam (100 questions, 120 min)
    """  # noqa: D301 (click needs a real backspace to keep the lines)


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
        help="CPU seconds one graded call may use (default: the exercise's own, usually 5); "
        "a call that waits is stopped after 3 times that in wall time.",
    )(function)


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
@_timeout_option
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
@click.option(
    "--record",
    is_flag=True,
    help="Record the result as exercise N's even when --file names another file (grade list shows that file).",
)
@click.option(
    "--show-output",
    is_flag=True,
    help="Also show what passing checks printed (failed checks always show it); with --format json, "
    "every check's stdout and stderr.",
)
@_no_server_option
def exercise(
    number: int,
    file: Path | None,
    output_format: str,
    lang: str,
    timeout: float | None,
    jobs: int,
    warm_up: bool,
    warm_up_seed: int | None,
    record: bool,
    show_output: bool,
    no_server: bool,
) -> None:
    """Grade exercise N and explain every failed check."""
    from grader.learner import commands
    from grader.learner.status import live_status

    if warm_up and output_format != "text":
        raise UsageError(
            f"--warm-up asks questions in the terminal; it does not go with --format {output_format}",
            f"--warm-up は端末で質問をするため、--format {output_format} とは一緒に使えません",
        )
    if warm_up:
        from grader.grading.engine import get_exercise

        get_exercise(number)
        _echo(commands.warm_up(number, commands.exercise_file(number, file), lang, input=sys.stdin, output=sys.stdout,
                               seed=warm_up_seed))  # fmt: skip
    with live_status(sys.stderr, lang, output_format) as progress:  # a terminal's "grading: softmax ..." line
        graded = commands.grade(number, file, timeout=timeout, jobs=jobs, record=record, progress=progress)
    for warning in graded.warnings:
        click.echo(warning, err=True)
    if not graded.recorded and output_format == "text":  # a machine format (an autograder's) stays quiet
        click.echo(commands.not_recorded_note(number, graded.path, lang, record=record), err=True)
    result = graded.result
    if output_format == "json":
        click.echo(json.dumps(result.to_json(lang, show_output=show_output), ensure_ascii=False, indent=2))
    elif output_format == "gradescope":
        click.echo(json.dumps(result.to_gradescope(lang), ensure_ascii=False, indent=2))
    else:
        from grader.learner.listing import wants_colour

        colour = wants_colour("auto", sys.stdout)
        click.echo(result.to_text(lang, colour=colour, show_output=show_output), color=colour)
        if result.passed:
            from grader.learner.nextsteps import next_steps

            click.echo("\n".join(next_steps(number, lang, solution=graded.recorded)))
    sys.exit(0 if result.passed else 1)


@main.command(name="list")
@_language_option
@click.option(
    "--color",
    "--colour",
    "colour",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the states: auto colours on a terminal unless NO_COLOR is set or TERM=dumb (FORCE_COLOR forces it).",
)
def list_exercises(lang: str, colour: str) -> None:
    """List the exercises, your files and how far you are (from the last grading), and the quizzes."""
    from grader.learner.commands import overview
    from grader.learner.listing import ListStyle

    style = ListStyle.for_stream(sys.stdout, colour)
    _echo(overview(lang, style=style), colour=style.colour)


@main.command(name="quiz")
@click.argument("number", type=int, metavar="[N]", required=False)
@_language_option
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Fix the order of the options.")
@click.option(
    "--review",
    is_flag=True,
    help="Ask only the questions you got wrong last time (what you now get right raises your best score).",
)
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
    lang: str,
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
    from grader.learner.commands import load_one_quiz, take_quiz

    outputs = [
        name for name, value in (("--html", html_out), ("--site", site_dir), ("--export", export_format)) if value
    ]
    if len(outputs) > 1:
        raise UsageError(
            f"{' and '.join(outputs)} can not be combined; choose one",
            f"{' と '.join(outputs)} は一緒に使えません。どれか 1 つを選んでください",
        )
    if review and outputs:
        raise UsageError(
            f"--review asks questions in the terminal; it does not go with {outputs[0]}",
            f"--review は端末で質問をするため、{outputs[0]} とは一緒に使えません",
        )
    if output_file is not None and export_format is None:
        raise UsageError(
            "-o/--output names the file for --export; for a page use --html OUT",
            "-o/--output は --export の書き出し先です。ページを作るには --html OUT を使ってください",
        )
    if number is None and site_dir is None:
        raise UsageError(
            "name a quiz: grade quiz N (see grade list), or build every page: grade quiz --site DIR",
            "確認テストの番号を指定してください: grade quiz N(一覧: grade list)。"
            "すべてのページを作るには: grade quiz --site DIR",
        )
    if site_dir is not None:
        _write_site(site_dir, number, lang)
        return
    assert number is not None
    quiz = load_one_quiz(number, lang)
    wrote = Text("Wrote {path}", "{path} に書き出しました")
    if export_format is not None:
        from grader.quiz.moodle import to_gift, to_moodle_xml

        text = to_moodle_xml(quiz) if export_format == "moodle-xml" else to_gift(quiz)
        if output_file is None:
            click.echo(text, nl=False)
        else:
            output_file.write_text(text, encoding="utf-8")
            click.echo(wrote.format(path=output_file)(lang), err=True)
        return
    if html_out is not None:
        from grader.quiz.page import render_quiz_page

        html_out.write_text(render_quiz_page(quiz, seed=seed), encoding="utf-8")
        click.echo(wrote.format(path=html_out)(lang))
        return
    _echo(take_quiz(quiz, lang, input=sys.stdin, output=sys.stdout, seed=seed, review=review))


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None):
    """``--now``: an ISO 8601 time for tests (no time zone: local time)."""
    if value is None:
        return None
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value).astimezone()
    except (ValueError, OverflowError, OSError) as problem:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time ({problem})") from None
    if not 1970 <= moment.year <= 9000:  # due dates are this day plus up to 100 years
        raise click.BadParameter(f"{value!r}: a year from 1970 to 9000, please")
    return moment


@main.command(name="review")
@_language_option
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=1000),
    default=20,
    show_default=True,
    help="At most this many due questions.",
)
@click.option(
    "--new",
    "new",
    type=click.IntRange(min=0, max=1000),
    default=0,
    show_default=True,
    help="Also ask this many questions you have not answered yet (course order).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Fix the order of the options and questions.")
@click.option("--now", type=str, default=None, hidden=True, callback=_moment)
def review_command(lang: str, limit: int, new: int, seed: int | None, now) -> None:
    """Review the quiz questions that are due, across every quiz (spaced repetition, SM-2).

    \b
    grade review            the due questions, oldest due first (at most 20)
    grade review --new 10   and 10 questions you have not answered yet

    Every answer in grade quiz and grade review schedules its question again: a
    right one after 1, 6, then about 2.5 times the last interval in days, a wrong one tomorrow.  Exit status: 0
    when done (or nothing is due), 1 when the answers stopped early.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.learner.review import review_session

    _echo(review_session(lang, input=sys.stdin, output=sys.stdout, seed=seed, limit=limit, new=new, now=now))


@main.command(name="exam")
@_language_option
@click.option(
    "--questions", type=click.IntRange(min=1, max=1000), default=100, show_default=True, help="Questions on the paper."
)
@click.option("--minutes", type=click.IntRange(min=1, max=600), default=120, show_default=True, help="Time allowed.")
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 1), default=None, help="Draw the same paper again.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="OUT",
    help="Write the paper as one self-contained HTML page instead.",
)
@click.option("--history", is_flag=True, help="Print the results of past mock exams.")
def exam_command(
    lang: str, questions: int, minutes: int, seed: int | None, html_out: Path | None, history: bool
) -> None:
    """A timed E資格-style mock exam: four-choice and numeric questions from every quiz.

    \b
    grade exam                          100 questions, 120 minutes, in the terminal
    grade exam --questions 20 --minutes 25 --seed 7
    grade exam --html exam.html         the same as one self-contained page
    grade exam --history                your past results, per topic

    Exit status: 0 when scored, 1 when abandoned (q), 2 on a usage error,
    3 when no question can be asked or the history has nowhere to go.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.learner.exam import exam_history, take_exam, write_exam_page

    if history:
        if html_out is not None:
            raise UsageError(
                "--history prints past results; it does not go with --html",
                "--history は過去の結果を表示するため、--html とは一緒に使えません",
            )
        _echo(exam_history(lang))
    elif html_out is not None:
        _echo(write_exam_page(html_out, lang, questions=questions, minutes=minutes, seed=seed))
    else:
        _echo(take_exam(lang, input=sys.stdin, output=sys.stdout, questions=questions, minutes=minutes, seed=seed))


def _write_site(site_dir: Path, number: int | None, lang: str) -> None:
    from grader.quiz.bank import load_bank, quiz_number
    from grader.quiz.page import write_site

    quizzes, errors = load_bank(numbers=None if number is None else [number])
    for error in errors:
        click.echo(f"grade: {error}", err=True)
    written = write_site(site_dir, [quizzes[key] for key in sorted(quizzes)])
    click.echo(
        Text("{count} pages in {folder}", "{folder} に {count} ページを書き出しました").format(
            count=len(written), folder=site_dir
        )(lang)
    )
    if errors:
        left_out = sorted({n for n in map(quiz_number, (error.path for error in errors)) if n is not None})
        listed = ", ".join(map(str, left_out))
        raise GraderError(
            f"left out because of the errors above: quiz {listed}",
            f"上のエラーのため確認テスト {listed} を除きました",
        )


# --- the learner's workspace: init, watch, hints ------------------------------------------


@main.command(name="init")
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--allow-nonempty",
    is_flag=True,
    help="Also set up a folder that already holds other files (nothing is overwritten).",
)
@_language_option
def init_command(folder: Path, allow_nonempty: bool, lang: str) -> None:
    """Make DIR a workspace of your own: the exercise stubs, a README, your progress.

    \b
    grade init dl-exercises      then: cd dl-exercises && grade exercise 1

    Nothing of yours is ever overwritten: in an existing workspace only the
    missing stubs (and README.md) are added, and the files kept are listed.
    A folder that holds other files and is not a workspace is refused (exit
    2) unless --allow-nonempty is given.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.learner.commands import relative
    from grader.learner.workspace import init_workspace

    done = init_workspace(folder, allow_nonempty=allow_nonempty)
    stubs = [path for path in done.created if path.suffix == ".py"]
    if done.created:
        click.echo(Text("Set up {folder}:", "{folder} を準備しました:").format(folder=relative(folder))(lang))
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
            ).format(folder=relative(folder))(lang)
        )
    if done.kept:
        click.echo(Text("Kept as they are (yours, not changed):", "そのまま残したファイル(変更していません):")(lang))
        for path in done.kept:
            click.echo(f"  {path.relative_to(folder).as_posix()}")
    click.echo(Text("Next:", "次に:")(lang))
    if folder.resolve() != Path.cwd().resolve():
        click.echo(f"  cd {relative(folder)}")
    click.echo("  grade exercise 1")


@main.command(name="watch")
@click.argument("number", type=int, metavar="N")
@_file_option
@_language_option
@_timeout_option
@click.option("--max-runs", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--interval", type=click.FloatRange(min=0.01, max=10), default=None, hidden=True)
def watch_command(
    number: int, file: Path | None, lang: str, timeout: float | None, max_runs: int | None, interval: float | None
) -> None:
    """Grade exercise N again every time you save its file; show only what changed.

    The first grading shows the full report; after each save, the checks that
    now pass, now fail, or fail for another reason.  Ctrl-C stops.
    """
    from grader.grading.engine import get_exercise, warm_pool
    from grader.grading.results import ExerciseResult
    from grader.learner.commands import exercise_file, grade_path, relative, remember
    from grader.learner.imports import imported_files
    from grader.learner.listing import wants_colour
    from grader.learner.status import live_status
    from grader.learner.watch import POLL_SECONDS, Notifier, compare, render_changes, watch

    colour = wants_colour("auto", sys.stdout)
    get_exercise(number)
    path = exercise_file(number, file)
    imported: list[Path] = []  # the learner files it imports, found again before every grading
    unrecorded: list[ExerciseResult] = []  # kept for grade list once its report is out (a save waits less)

    def imports() -> list[Path]:
        imported[:] = imported_files(number, path)
        return imported

    def grade_once():
        try:
            with live_status(sys.stderr, lang) as progress:
                result = grade_path(number, path, timeout=timeout, progress=progress)
        except GraderError as problem:  # the next save tries again
            click.echo(f"grade: {problem.in_language(lang)}", err=True)
            return None
        unrecorded[:] = [result]
        return result

    def record() -> None:
        for result in unrecorded:
            for warning in remember(result, path):
                click.echo(warning, err=True)
        unrecorded.clear()

    def show(result, previous) -> None:
        if previous is None:
            click.echo(result.to_text(lang, colour=colour), color=colour)
        else:
            click.echo("\n" + render_changes(compare(previous, result), result, lang, colour=colour), color=colour)

    def waiting() -> None:
        click.echo(
            Text(
                "\nWatching {path}: save it to grade again (Ctrl-C stops).",
                "\n{path} を監視しています。保存すると再採点します(Ctrl-C で終了)。",
            ).format(path=relative(path))(lang)
        )
        if imported:
            names = ", ".join(relative(file) for file in imported)
            click.echo(
                Text("Also watching what it imports: {names}", "import しているファイルも監視: {names}").format(
                    names=names
                )(lang)
            )
        record()

    notifier = Notifier.open()  # a save heard at once (Linux); None: the files are polled
    try:
        with warm_pool():  # one zygote for the whole watch: a re-grade after a save starts warm
            watch(
                path,
                grade_once,
                show,
                waiting=waiting,
                interval=POLL_SECONDS if interval is None else interval,
                max_runs=max_runs,
                imports=imports,
                notifier=notifier,
            )
    except KeyboardInterrupt:
        click.echo(Text("\nStopped watching.", "\n監視を終了しました。")(lang))
    finally:
        record()
        if notifier is not None:
            notifier.close()


@main.command(name="hint")
@click.argument("number", type=int, metavar="N")
@_file_option
@_language_option
@_timeout_option
@_no_server_option
def hint_command(number: int, file: Path | None, lang: str, timeout: float | None, no_server: bool) -> None:
    """Show the next hint for the first failing check of exercise N.

    Hints go from a gentle nudge to the near-answer.  A failed check shows the
    first one; each run of grade hint N adds the next (remembered in .grade/).
    """
    from grader.learner.commands import grade, next_hint

    _echo(next_hint(grade(number, file, timeout=timeout), lang))


@main.command(name="solution")
@click.argument("number", type=int, metavar="N")
@click.option(
    "--write",
    is_flag=True,
    help="Write the worked solution to solutions/exNN_*.py of the workspace instead of showing it.",
)
@click.option("--force", is_flag=True, help="With --write: replace a different file of that name.")
@_language_option
def solution_command(number: int, write: bool, force: bool, lang: str) -> None:
    """Show the worked solution of exercise N side by side with your file, once it passes.

    \b
    grade solution 3              yours and the worked solution, side by side
    grade solution 3 --write      save it as solutions/ex03_backward.py
    Only after the last grading of your file passed every check (grade exercise 3),
    and only while that file is unchanged. A terminal under 100 columns shows
    the two files one after the other.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    import shutil

    from grader.learner.solution import show_solution, write_solution

    if force and not write:
        raise click.UsageError("--force goes with --write: grade solution N --write --force")
    if write:
        _echo(write_solution(number, lang, force=force))
    else:
        _echo(show_solution(number, lang, width=shutil.get_terminal_size().columns))


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
        self.shown_width = 0  # of the line on screen: a shorter one is padded over it ("s left", not "s lefttt")

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
            width, self.shown_width = self.shown_width, len(line)
            click.echo("\r" + line.ljust(width), nl=done == total, err=True)
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
    help="Submissions graded at once (default: one more than the CPU cores this process may use).",
)
@click.option(
    "--exercises",
    "exercise_list",
    default=None,
    metavar="LIST",
    help="Only these exercises, e.g. 1-5 or 1,3 (default: every exercise file found).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Grade again even what has not changed since the last run, and score every quiz attempt again.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=None,
    help="CPU seconds one graded call may use (default: each exercise's own); "
    "a call that waits is stopped after 3 times that in wall time.",
)
@click.option(
    "--shard",
    "shard_text",
    default=None,
    metavar="K/N",
    help="Grade only the K-th of N shares of the learners (K from 1 to N), into a gradebook of its own; "
    "run the N shards on N machines, then combine their gradebooks with grade merge.",
)
@click.option(
    "--roster",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="CSV",
    help="Who is in the class: a CSV with the header login,lms_id,name,section (login = the learner's folder "
    'name). Every learner listed gets a row ("no submission" when no folder has their login); folders it does '
    "not list are reported. See docs/instructors/roster.md.",
)
@_language_option
def batch(
    class_dir: Path,
    db: Path,
    jobs: int | None,
    exercise_list: str | None,
    force: bool,
    timeout: float | None,
    shard_text: str | None,
    roster: Path | None = None,
    lang: str = "en",
) -> None:
    """Grade a whole class into a gradebook.

    \b
    CLASS_DIR holds one folder per learner (as LMS bulk downloads and GitHub
    Classroom clones produce) with that learner's exNN_*.py or exNN_*.ipynb
    files (zip uploads too) and quiz attempt files.  Re-running grades only
    what changed, and records what the folders hold now; an interrupted run
    keeps everything graded so far.  Then: grade report --db gradebook.sqlite
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.batch import default_jobs, run_batch
    from grader.classroom.gradebook import Gradebook
    from grader.classroom.roster import load_roster
    from grader.classroom.shards import parse_shard

    jobs = jobs or default_jobs()
    shard = None if shard_text is None else parse_shard(shard_text)
    if not class_dir.is_dir():  # before the gradebook is opened: a typo must not leave an empty one behind
        raise UsageError(f"no such class directory: {class_dir}")
    class_roster = load_roster(roster) if roster is not None else None  # a bad roster: no gradebook either
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
                shard=shard,
                roster=class_roster,
            )
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
    _echo_roster(summary, lang)
    click.echo(f"gradebook: {db}")


@main.command(name="merge")
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT")
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False), metavar="SHARD...")
@click.option("--force", is_flag=True, help="Replace OUT when it exists (only when it is a gradebook).")
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Merge even when some of the N shards are missing (refused by default: their learners would be "
    "missing from the report without a word); OUT then records which shards it holds.",
)
@_language_option
def merge_command(output: Path, shards: tuple[Path, ...], force: bool, allow_partial: bool, lang: str) -> None:
    """Combine the gradebooks of grade batch --shard K/N into one.

    \b
    grade batch class/ --shard 1/3 --db shard-1.sqlite    (on 3 machines, K = 1, 2, 3)
    grade merge gradebook.sqlite shard-*.sqlite
    grade report --db gradebook.sqlite --html out/
    The merged gradebook holds what one batch of the whole class would have written.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.merge import merge_gradebooks

    summary = merge_gradebooks(output, list(shards), force=force, allow_partial=allow_partial)
    if summary.missing:
        missing = ", ".join(f"{index}/{summary.count}" for index in summary.missing)
        click.echo(
            Text(
                "grade: warning: shard(s) {missing} missing: their learners are not in {output}",
                "grade: 警告: シャード {missing} がありません。その受講者は {output} に入っていません",
            ).format(missing=missing, output=output)(lang),
            err=True,
        )
    click.echo(
        Text(
            "Merged {shards} of {count} shards into {output}: {learners} learners, {submissions} graded exercise "
            "files, {attempts} quiz attempts",
            "{count} 個中 {shards} 個のシャードを {output} に結合しました: 受講者 {learners} 人、"
            "採点済みの課題ファイル {submissions}、確認テストの受験 {attempts}",
        ).format(
            shards=len(summary.held),
            count=summary.count,
            output=output,
            learners=summary.learners,
            submissions=summary.submissions,
            attempts=summary.attempts,
        )(lang)
    )


def _echo_roster(summary, lang: str) -> None:
    """What ``grade batch`` found against the roster, and current grades dropped."""
    if summary.retired:
        click.echo(
            Text(
                "earlier grades no longer current: {count} (the file is gone or can not be graded now;"
                " kept as history in the gradebook)",
                "以前の採点結果 {count} 件を現在の成績から外しました(ファイルがない、または採点できないため。"
                "履歴としては成績簿に残っています)",
            ).format(count=summary.retired)(lang)
        )
    for names, text in (
        (
            summary.not_in_roster,
            Text(
                "folders not in the roster: {count} (graded, and noted per learner): {names}",
                "名簿にないフォルダが {count} 個あります(採点し、受講者ごとに記録しました): {names}",
            ),
        ),
        (
            summary.no_folder,
            Text(
                "roster learners without a folder: {count} (no submission): {names}",
                "名簿の受講者のうち {count} 人はフォルダがありません(未提出): {names}",
            ),
        ),
    ):
        if names:
            shown = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
            click.echo(text.format(count=len(names), names=shown)(lang))


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
    help="Write DIR/report.html: one self-contained page that opens on a heatmap of learners and checks, "
    "the learners at risk and pass rates over time, then the overview, misconceptions, items and learner pages.",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write learners.csv, grades.csv, moodle-grades.csv and canvas-grades.csv (LMS imports), items.csv and "
    "misconceptions.csv to DIR.",
)
@click.option(
    "--feedback",
    "feedback_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write one feedback file per learner to DIR, NAME.html and NAME.md (scores, late marks, failed checks "
    "with hints, folder problems), in the --lang language.",
)
@click.option(
    "--course",
    "course_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="The course file (TOML): weights, what is due, deadlines, late policy (docs/instructors/course.md). "
    "Stored in the gradebook: later reports use it without --course.",
)
@click.option(
    "--deadline",
    "deadlines",
    multiple=True,
    metavar="N=TIME",
    help="Deadline of exercise N (qN=TIME: quiz N) for this run, over the course file; repeat it. TIME is ISO 8601 "
    "with its timezone (3=2026-12-10T23:59+09:00) or a date, meaning the end of that day in the course's timezone.",
)
@click.option(
    "--late-policy",
    default=None,
    metavar="POLICY",
    help="For this run, over the course file: none (late work marked only), per-day:10 (10 %% off per started day "
    "late), per-day:10:50 (at most 50 %%), cutoff (late work scores 0).",
)
@_language_option
def report_command(
    db: Path,
    html_dir: Path | None,
    csv_dir: Path | None,
    feedback_dir: Path | None,
    course_file: Path | None,
    deadlines: tuple[str, ...],
    late_policy: str | None,
    lang: str,
) -> None:
    """Report on a graded class: an HTML page, CSV files, per-learner feedback files.

    \b
    grade report --html out/ --csv out/           both, from ./gradebook.sqlite
    grade report --db fall.sqlite --html out/ --lang ja
    grade report --course course.toml --csv out/ --feedback out/feedback
    grade report --csv out/ --deadline 3=2026-12-10T23:59+09:00 --late-policy per-day:10
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.coursefile import read_course
    from grader.classroom.report import write_report

    if html_dir is None and csv_dir is None and feedback_dir is None:
        raise click.UsageError(
            "say what to write: --html DIR for the page, --csv DIR for the CSV files, --feedback DIR for "
            "one file per learner, or several"
        )
    if not db.is_file():
        raise click.UsageError(f"no gradebook at {db}; grade the class first: grade batch CLASS_DIR --db {db}")
    course = read_course(course_file) if course_file is not None else None
    try:
        written, report, seconds = write_report(
            db,
            html_dir=html_dir,
            csv_dir=csv_dir,
            lang=lang,
            course=course,
            deadlines=deadlines,
            late_policy=late_policy,
            feedback_dir=feedback_dir,
        )
    except OSError as problem:
        raise GraderError(
            f"the report could not be written ({problem.strerror}: {problem.filename}); "
            "free some space or name writable folders with --html, --csv and --feedback"
        ) from None
    click.echo(report.course_line(lang))
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
    feedback = [path for path in written if feedback_dir is not None and path.parent == feedback_dir.resolve()]
    for path in written:
        if path not in feedback:
            click.echo(Text("Wrote {path}", "{path} に書き出しました").format(path=path)(lang))
    if feedback_dir is not None:
        click.echo(
            Text(
                "Wrote feedback for {count} learners to {folder} (NAME.html and NAME.md each)",
                "{folder} に受講者 {count} 人分のフィードバックを書き出しました(各 NAME.html と NAME.md)",
            ).format(count=len(feedback) // 2, folder=feedback_dir)(lang)
        )
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


@main.command(name="similarity")
@click.argument("class_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Store the pairs in this gradebook (written by grade batch), for grade report's similarity section.",
)
@click.option(
    "--exercises",
    "exercise_list",
    default=None,
    metavar="LIST",
    help="Only these exercises, e.g. 1-5 or 1,3 (default: every exercise file found).",
)
@click.option(
    "--html",
    "html_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DIR",
    help="Write DIR/similarity.html: every pair with its shared lines side by side.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.05, max=1.0),
    default=0.8,
    show_default=True,
    help="The least similarity reported: the share of the smaller file's fingerprints found in the other.",
)
@_language_option
def similarity_command(
    class_dir: Path, db: Path | None, exercise_list: str | None, html_dir: Path | None, threshold: float, lang: str
) -> None:
    """Find learners' files that are the same once names, comments and formatting are normalised.

    \b
    grade similarity CLASS_DIR                       a table of clusters in the terminal
    grade similarity CLASS_DIR --html out/ --db gradebook.sqlite
    The stub's own code is ignored. A match is a reason to talk to the
    learners, not proof of copying (docs/instructors/similarity.md).
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.gradebook import Gradebook
    from grader.classroom.similarity import run_similarity, terminal_lines, write_page

    if not class_dir.is_dir():
        raise UsageError(f"no such class directory: {class_dir}")
    if db is not None and not db.is_file():
        raise click.UsageError(f"no gradebook at {db}; grade the class first: grade batch {class_dir} --db {db}")
    exercises = _parse_exercises(exercise_list)
    if db is not None:
        with Gradebook(db) as gradebook:
            result = run_similarity(class_dir, exercises=exercises, threshold=threshold, gradebook=gradebook)
    else:
        result = run_similarity(class_dir, exercises=exercises, threshold=threshold)
    for line in terminal_lines(result, lang):
        click.echo(line)
    if html_dir is not None:
        try:
            path = write_page(result, html_dir, lang)
        except OSError as problem:
            raise GraderError(
                f"similarity.html could not be written ({problem.strerror}: {problem.filename}); "
                "free some space or name a writable folder with --html",
                f"similarity.html を書き出せませんでした（{problem.strerror}: {problem.filename}）。"
                "空き容量を確保するか、--html に書き込めるフォルダを指定してください",
            ) from None
        click.echo(Text("Wrote {path}", "{path} に書き出しました").format(path=path)(lang))
    if db is not None:
        click.echo(Text("gradebook: {db}", "成績簿: {db}").format(db=db)(lang))


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
def gradescope_command(exercises: tuple[int, ...], output: Path, lang: str) -> None:
    """Build a Gradescope autograder (setup.sh, run_autograder) for EXERCISE...

    \b
    grade gradescope 1 2 3 -o autograder.zip
    Upload the zip under Configure Autograder; each check becomes one test.
    """  # noqa: D301 (click needs a real backspace to keep the lines)
    from grader.classroom.gradescope import build_bundle, describe

    click.echo(describe(build_bundle(exercises, output, lang=lang), exercises, output))


@main.group(name="server", cls=_SuggestingGroup)
def server_group() -> None:
    """The warm grading server of this workspace (started by grade exercise/hint).

    \b
    grade server status        is one running here: pid, uptime, requests served
    grade server stop          stop it (the next grade exercise starts a new one)
    grade server stop --all    stop every grading server of yours
    It grades one command at a time: one that comes while it grades says so
    after a second and waits its turn. It stops by itself after 15 minutes
    without a grading (DLGRADE_SERVER_IDLE=SECONDS); --no-server grades without it.
    """  # noqa: D301 (click needs a real backspace to keep the lines)


def _server_socket(lang: str) -> tuple[str, str]:
    from grader import launch

    workspace = launch.find_workspace(os.path.realpath(os.getcwd()))
    if workspace is None:
        raise UsageError(
            "no exercises/ folder here or in any folder above: a grading server belongs to a workspace",
            "このフォルダより上に exercises/ がありません。採点サーバーはワークスペースごとに動きます",
        )
    folder = launch.runtime_dir()
    if folder is None:
        raise GraderError(
            "no private folder for grading servers (see above)", "採点サーバー用の専用フォルダがありません(上記参照)"
        )
    return workspace, launch.socket_path(folder, workspace)


@server_group.command(name="status")
@_language_option
def server_status(lang: str) -> None:
    """Whether this workspace's grading server runs, and since when."""
    from grader import launch

    workspace, path = _server_socket(lang)
    answer = launch.ask(path, "status", busy=lambda pid, state: False)  # a busy server is reported, not waited for
    if answer is not None and "busy" in answer:
        if launch.stopped(str(answer["state"])):
            reply = Text(
                "Grading server for {workspace}: pid {pid}, stopped by a signal (SIGSTOP, or a debugger): "
                "kill -CONT {pid} lets it go on, grade server stop ends it",
                "{workspace} の採点サーバー: pid {pid}、シグナル(SIGSTOP やデバッガ)で一時停止中です。"
                "kill -CONT {pid} で再開、grade server stop で終了できます",
            )
        else:
            reply = Text(
                "Grading server for {workspace}: running, pid {pid}, busy with a grading (it says more once that ends)",
                "{workspace} の採点サーバー: 動作中、pid {pid}、採点の途中です(終わると詳しく答えます)",
            )
        click.echo(reply.format(workspace=workspace, pid=answer["busy"])(lang))
        return
    if answer is None:
        click.echo(
            Text(
                "No grading server for {workspace} (the next grade exercise starts one).",
                "{workspace} の採点サーバーは動いていません(次の grade exercise で起動します)。",
            ).format(workspace=workspace)(lang)
        )
        return
    click.echo(
        Text(
            "Grading server for {workspace}: running, pid {pid}, up {uptime:.0f} s, {requests} gradings served\n"
            "  socket {socket}\n  version {version}\n  log {log}\n  stops after {idle:g} s without a grading",
            "{workspace} の採点サーバー: 動作中、pid {pid}、起動から {uptime:.0f} 秒、採点 {requests} 回\n"
            "  ソケット {socket}\n  バージョン {version}\n  ログ {log}\n  採点がないまま {idle:g} 秒で終了します",
        ).format(
            workspace=workspace,
            pid=answer.get("pid"),
            uptime=float(answer.get("uptime", 0)),  # type: ignore[arg-type]
            requests=answer.get("requests"),
            socket=answer.get("socket"),
            version=answer.get("version"),
            log=answer.get("log"),
            idle=float(answer.get("idle_exit", 0)),  # type: ignore[arg-type]
        )(lang)
    )


@server_group.command(name="stop")
@click.option("--all", "every", is_flag=True, help="Stop every grading server of yours, of every workspace.")
@_language_option
def server_stop(every: bool, lang: str) -> None:
    """Stop this workspace's grading server (or, with --all, every one of yours).

    A server busy with a grading stops once that grading ends; one stopped by
    a signal (SIGSTOP, a debugger), which would never answer, is ended.
    """
    from grader import launch

    def busy(pid: int, state: str) -> bool:
        """A server that has not answered: one stopped by a signal is ended, a busy one stops after its grading."""
        if launch.stopped(state):
            return False
        click.echo(
            Text(
                "Grading server pid {pid} is busy with a grading; it stops once that ends (Ctrl-C leaves it running)",
                "採点サーバー pid {pid} は採点の途中です。終わりしだい終了します(Ctrl-C で終了させずに戻ります)",
            ).format(pid=pid)(lang),
            err=True,
        )
        return True

    paths = launch.servers() if every else [_server_socket(lang)[1]]
    stopped, lingering = [], []
    for path in paths:
        answer = launch.ask(path, "stop", busy=busy)
        if answer is not None and "busy" in answer:  # stopped by a signal: it would never answer
            pid = int(answer["busy"])  # type: ignore[call-overload]
            if not launch.terminate(pid):
                lingering.append(pid)
                continue
            answer = {"stopped": pid}
        if answer is not None:
            stopped.append(answer)
    if stopped:
        pids = ", ".join(str(answer.get("stopped")) for answer in stopped)
        click.echo(
            Text(
                "Stopped {count} grading server(s): pid {pids}", "採点サーバー {count} 個を終了しました: pid {pids}"
            ).format(count=len(stopped), pids=pids)(lang)
        )
    elif not lingering:
        click.echo(Text("No grading server was running.", "動いている採点サーバーはありませんでした。")(lang))
    if lingering:
        pids = " ".join(map(str, lingering))
        raise GraderError(
            f"grading server(s) stopped by a signal did not end: kill -KILL {pids}",
            f"シグナルで一時停止中の採点サーバーが終了しませんでした: kill -KILL {pids}",
        )


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
    from grader import launch

    launch.grading_process_end()  # a sandbox server no grading took (a wrong option, say); the classes' code
    os._exit(status)
