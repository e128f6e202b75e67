"""The ``grade`` command: a thin layer over ``grader.engine``.

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

from grader.errors import GraderError, UsageError
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
    r"""Grade Deep Learning from Scratch / E資格 exercises.

    \b
    Fill in exercises/exNN_*.py, then:
      grade exercise 3            grade your exercise 3
      grade exercise 3 --lang ja  feedback in Japanese
      grade list                  every exercise and its title
    """


@main.command()
@click.argument("number", type=int, metavar="N")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Grade this file instead of exercises/exNN_*.py of the workspace.",
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
def exercise(
    number: int,
    file: Path | None,
    output_format: str,
    lang: str | None,
    timeout: float | None,
    jobs: int,
) -> None:
    """Grade exercise N and explain every failed check."""
    from grader.engine import get_exercise, grade_exercise

    lang = lang or default_language()
    try:
        get_exercise(number)
        path = exercise_file(number, file)
        result = grade_exercise(number, path, timeout=timeout, jobs=jobs)
    except UsageError as problem:
        raise click.UsageError(str(problem)) from None
    except GraderError as problem:
        click.echo(f"grade: {problem}", err=True)
        sys.exit(3)
    from grader import feedback

    if output_format == "json":
        click.echo(json.dumps(feedback.to_json(result, lang), ensure_ascii=False, indent=2))
    elif output_format == "gradescope":
        click.echo(json.dumps(feedback.to_gradescope(result, lang), ensure_ascii=False, indent=2))
    else:
        click.echo(feedback.render_text(result, lang, colour=sys.stdout.isatty()))
    sys.exit(0 if result.passed else 1)


@main.command(name="list")
@_language_option
def list_exercises(lang: str | None) -> None:
    """List the exercises, their titles and whether your file exists."""
    from grader.engine import EXERCISES

    lang = lang or default_language()
    workspace = find_workspace(Path.cwd())
    for number, info in sorted(EXERCISES.items()):
        status = ""
        if workspace is not None:
            found = sorted((workspace / "exercises").glob(EXERCISE_PATTERN.format(number=number)))
            status = found[0].name if found else Text("(file missing)", "(ファイルなし)")(lang)
        click.echo(f"{number:2d}  {info.title(lang):45s} {status}")
    if workspace is None:
        click.echo(
            Text(
                "\nNo exercises/ folder here or above: cd into your workspace to see your files.",
                "\nこのフォルダより上に exercises/ がありません。ワークスペースに移動してください。",
            )(lang)
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
    os._exit(status)
