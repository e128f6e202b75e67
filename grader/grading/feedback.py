"""Render an ``ExerciseResult`` as the text a learner reads (its JSON forms are its own methods)."""

from __future__ import annotations

import re

from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.text import Text

LABELS = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.NOT_ATTEMPTED: "TODO"}
COLOURS = {Status.PASSED: "green", Status.FAILED: "red", Status.NOT_ATTEMPTED: "yellow"}
STREAM_LINES = 8


def _points(value: float) -> str:
    return f"{value:g}"


# what the sandbox client appends when it kept only the start of a stream (grader.sandbox.client._stream)
_CUT_NOTE = re.compile(r"\.\.\. \((\d+) more lines cut; (\d+) bytes and (\d+) lines in all\)$")


def _stream_lines(label: Text, text: str, lang: str) -> list[str]:
    """The first ``STREAM_LINES`` lines printed, then how many more there were in all.

    The count is of every line printed: when the sandbox kept only the start of
    a long stream, its note says how many lines there were, and that number is
    used (200,000 lines printed give "199,992 more lines", not the count of the
    lines kept).
    """
    if not text.strip():
        return []
    lines = text.rstrip("\n").splitlines()
    total = len(lines)
    cut = _CUT_NOTE.search(lines[-1])
    if cut is not None:
        lines[-1] = lines[-1][: cut.start()]
        if not lines[-1]:
            lines.pop()
        total = max(int(cut.group(3)), len(lines))
    shown = lines[:STREAM_LINES]
    out = [f"  {label(lang)}"] + [f"    | {line[:200]}" for line in shown]
    if total > len(shown):
        more = total - len(shown)
        out.append("    | " + Text(f"... {more:,} more lines", f"... ほか {more:,} 行")(lang))
    return out


def check_detail(result: CheckResult, lang: str) -> list[str]:
    """The lines under a failed check: input, differences, hint, captured output."""
    lines: list[str] = []
    if result.status == Status.NOT_ATTEMPTED:
        # "relu raises NotImplementedError" under a relu check says nothing new
        return [f"  {line(lang)}" for line in result.lines if f" {result.target} " not in line.en]
    if result.context:
        context = result.context(lang) if isinstance(result.context, Text) else result.context
        lines.append("  " + Text("input: ", "入力: ")(lang) + context)
    for line in result.lines:
        lines.extend("  " + part for part in line(lang).splitlines())
    if result.hint is not None:
        lines.append("  " + Text("hint: ", "ヒント: ")(lang) + result.hint(lang))
    lines += _stream_lines(Text("your code printed:", "コードの出力:"), result.stdout, lang)
    lines += _stream_lines(Text("your code wrote to stderr:", "標準エラー出力:"), result.stderr, lang)
    return lines


def output_lines(check: CheckResult, lang: str) -> list[str]:
    """What a passing ``check``'s run printed (``--show-output``), cut and counted as ``check_detail`` does."""
    return _stream_lines(Text("your code printed:", "コードの出力:"), check.stdout, lang) + _stream_lines(
        Text("your code wrote to stderr:", "標準エラー出力:"), check.stderr, lang
    )


def render_text(result: ExerciseResult, lang: str, colour: bool = False, show_output: bool = False) -> str:
    """The report a learner reads in the terminal; ``show_output`` adds what passing checks printed."""
    import click

    number = result.exercise.number
    heading = Text(f"Exercise {number}: ", f"課題 {number}: ")(lang) + result.exercise.title(lang)
    lines = [click.style(heading, bold=True) if colour else heading, f"  {result.submission}", ""]
    # a notebook's notes (grader.notebook): cells left out or failed, where the definitions came from
    notes = result.extra.get("notes", ())
    if notes:
        lines += [f"  {Text('note: ', '注意: ')(lang)}{note(lang)}" for note in notes] + [""]
    failure = result.import_failure
    if failure is not None:
        label = LABELS[failure.status]
        if colour:
            label = click.style(label, fg=COLOURS[failure.status], bold=True)
        lines.append(f"{label}  {failure.lines[0](lang)}")
        lines += ["  " + part for line in failure.lines[1:] for part in line(lang).splitlines()]
        if failure.hint is not None:
            lines.append("  " + Text("hint: ", "ヒント: ")(lang) + failure.hint(lang))
        lines += _stream_lines(Text("your code printed:", "コードの出力:"), failure.stdout, lang)
        lines += _stream_lines(Text("your code wrote to stderr:", "標準エラー出力:"), failure.stderr, lang)
        lines.append("")
    every_check_blocked = all(check.blocked_by is not None for check in result.results)
    for blocker in result.blockers:
        # another exercise's file made checks fail: said once, with what to fix, instead of a crash per check
        label = click.style(LABELS[Status.FAILED], fg=COLOURS[Status.FAILED], bold=True) if colour else "FAIL"
        message = result.blocker_message(blocker, lang).splitlines()
        lines.append(f"{label}  {message[0]}")
        lines += ["  " + part for part in message[1:]]
        lines.append("")
    for check in result.results:
        label = LABELS[check.status]
        if colour:
            label = click.style(label, fg=COLOURS[check.status], bold=True)
        score = f"({_points(check.score)}/{_points(check.max_score)})"
        lines.append(f"{label}  {check.title(lang)}  {score}")
        if failure is not None:
            continue  # said once, above
        if check.blocked_by is not None:
            if not every_check_blocked:
                number = check.blocked_by
                lines.append(
                    "  "
                    + Text(
                        f"not checked: fix exercise {number} first (see above)",
                        f"未確認: 先に課題 {number} を直してください(上を参照)",
                    )(lang)
                )
            continue
        if not check.passed:
            lines.extend(check_detail(check, lang))
        else:
            lines.extend("  " + part for line in check.lines for part in line(lang).splitlines())
            if show_output:
                lines += output_lines(check, lang)
    lines.append("")
    lines.append(summary(result, lang))
    return "\n".join(lines)


def summary(result: ExerciseResult, lang: str) -> str:
    """One line: the score, or 'not attempted' for an untouched stub."""
    number = result.exercise.number
    if not result.attempted:
        return Text(
            f"Not attempted: every function of exercise {number} still raises NotImplementedError. "
            f"Fill in {result.exercise.module}.py, then run: grade exercise {number}",
            f"未着手: 課題 {number} の関数はすべて NotImplementedError のままです。"
            f"{result.exercise.module}.py を実装してから grade exercise {number} を実行してください",
        )(lang)
    if result.blockers and all(check.blocked_by is not None for check in result.results):
        first = result.blockers[0].exercise
        return Text(
            f"Score 0/{_points(result.max_score)} (0%): exercise {number} can be checked once exercise {first} "
            f"works. Fix it (grade exercise {first}), then run: grade exercise {number}",
            f"得点 0/{_points(result.max_score)}(0%): 課題 {first} が動くようになると課題 {number} を確認できます。"
            f"課題 {first} を直してから(grade exercise {first})grade exercise {number} を実行してください",
        )(lang)
    if result.import_failure is not None:
        name = result.submission.name
        return Text(
            f"Score 0/{_points(result.max_score)} (0%): no check could run until {name} imports. "
            f"Fix it, then run: grade exercise {number}",
            f"得点 0/{_points(result.max_score)}(0%): {name} を読み込めるまでチェックは実行できません。"
            f"直してから grade exercise {number} を実行してください",
        )(lang)
    failed = sum(1 for check in result.results if check.status == Status.FAILED)
    todo = sum(1 for check in result.results if check.status == Status.NOT_ATTEMPTED)
    score = f"{_points(result.score)}/{_points(result.max_score)}"
    percent = 100.0 * result.score / result.max_score if result.max_score else 0.0
    if result.passed:
        return Text(
            f"Score {score} ({percent:.0f}%): every check passed.",
            f"得点 {score}({percent:.0f}%): すべてのチェックに合格しました。",
        )(lang)
    return Text(
        f"Score {score} ({percent:.0f}%): {failed} failed, {todo} not attempted. re-run: grade exercise {number}",
        f"得点 {score}({percent:.0f}%): 不合格 {failed}、未着手 {todo}。再実行: grade exercise {number}",
    )(lang)
