"""Watch mode: grade an exercise again each time its file is saved, and say what changed.

``grade watch N`` polls the file's modification time and size (every 0.3 s;
no file-system notification library needed), grades it after every save and
shows the full report the first time, then only the checks whose verdict
changed: newly passing, newly failing, still failing with a different message.
A save of a learner file it imports (``ex01_activations.py`` for exercise 3,
see ``grader.learner.imports``) grades it again too; the files imported are
found again before every grading, so an import added by an edit counts from
the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.grading.feedback import COLOURS, LABELS, check_detail, summary
from grader.grading.results import CheckResult, ExerciseResult, Status
from grader.text import Text

POLL_SECONDS = 0.1  # a few stat() calls ten times a second: nothing to a machine, a tenth of a second to a learner
SETTLE_SECONDS = 0.05  # a changed file must hold still this long before it is graded (an editor writing in steps)
FileState = tuple[int, int] | None
FilesState = tuple[tuple[Path, FileState], ...]


def file_state(path: Path) -> FileState:
    """``(mtime_ns, size)`` of ``path``; None while it does not exist (an editor replacing it)."""
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def wait_for_change(
    path: Path,
    last: FileState,
    *,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> FileState:
    """Block until ``path`` differs from ``last`` and has stopped changing; return its new state."""
    while True:
        sleep(interval)
        state = file_state(path)
        if state is None or state == last:
            continue
        # an editor may write in several steps: grade once the file holds still a moment
        sleep(min(interval, SETTLE_SECONDS))
        settled = file_state(path)
        if settled == state:
            return state


def files_state(paths: Sequence[Path]) -> FilesState:
    """Each file of ``paths`` with its ``file_state``."""
    return tuple((Path(path), file_state(path)) for path in paths)


def wait_for_any_change(
    paths: Sequence[Path],
    last: FilesState,
    *,
    interval: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> FilesState:
    """Block until one of ``paths`` differs from ``last`` and they have stopped changing; return their state.

    The first path is the file graded: while it does not exist (an editor
    replacing it) nothing counts.  Another file that disappears is a change (the
    import now fails), once that holds still for one poll.
    """
    while True:
        sleep(interval)
        state = files_state(paths)
        if not state or state[0][1] is None or state == last:
            continue
        # an editor may write in several steps: grade once the files hold still a moment
        sleep(min(interval, SETTLE_SECONDS))
        if files_state(paths) == state:
            return state


@dataclass(frozen=True)
class Changes:
    """How one grading differs from the one before, check by check."""

    now_passing: tuple[CheckResult, ...]
    now_failing: tuple[CheckResult, ...]
    reworded: tuple[CheckResult, ...]  # failing before and now, for a different reason
    unchanged_passing: int
    unchanged_failing: int

    @property
    def any(self) -> bool:
        """Whether any check's verdict or message changed."""
        return bool(self.now_passing or self.now_failing or self.reworded)


def _message(check: CheckResult) -> tuple:
    return (check.status, check.lines, check.hint, check.context)


def compare(previous: ExerciseResult, current: ExerciseResult) -> Changes:
    """The checks of ``current`` whose verdict changed since ``previous`` (matched by name)."""
    before = {check.name: check for check in previous.results}
    now_passing, now_failing, reworded = [], [], []
    unchanged_passing = unchanged_failing = 0
    for check in current.results:
        old = before.get(check.name)
        if check.passed:
            if old is not None and old.passed:
                unchanged_passing += 1
            else:
                now_passing.append(check)
        elif old is None or old.passed or old.status != check.status:
            now_failing.append(check)
        elif _message(old) != _message(check):
            reworded.append(check)
        else:
            unchanged_failing += 1
    return Changes(tuple(now_passing), tuple(now_failing), tuple(reworded), unchanged_passing, unchanged_failing)


def _check_lines(checks: tuple[CheckResult, ...], lang: str, label: Callable[[Status], str]) -> list[str]:
    lines: list[str] = []
    details_shown: list[list[str]] = []
    for check in checks:
        score = f"({check.score:g}/{check.max_score:g})"
        lines.append(f"{label(check.status)}  {check.title(lang)}  {score}")
        if check.status == Status.PASSED:
            continue
        detail = check_detail(check, lang)
        if detail and detail in details_shown:  # one import error fails every check: say it once
            lines.append("  " + Text("(same as above)", "(上と同じ)")(lang))
        else:
            lines.extend(detail)
            details_shown.append(detail)
    return lines


def render_changes(changes: Changes, current: ExerciseResult, lang: str, colour: bool = False) -> str:
    """What a re-grading in watch mode shows: only what changed, then the score."""
    import click

    def label(status: Status) -> str:
        text = LABELS[status]
        return click.style(text, fg=COLOURS[status], bold=True) if colour else text

    stamp = time.strftime("%H:%M:%S")
    lines = [Text(f"[{stamp}] graded again:", f"[{stamp}] 再採点:")(lang)]
    sections = (
        (Text("newly passing:", "新たに合格:"), changes.now_passing),
        (Text("newly failing:", "新たに不合格:"), changes.now_failing),
        (Text("still failing, for another reason:", "引き続き不合格(理由が変化):"), changes.reworded),
    )
    for heading, checks in sections:
        if checks:
            lines.append(heading(lang))
            lines.extend(_check_lines(checks, lang, label))
    if not changes.any:
        lines.append(Text("no check changed", "変化したチェックはありません")(lang))
    elif changes.unchanged_passing or changes.unchanged_failing:
        lines.append(
            Text(
                "unchanged: {passing} passing, {failing} failing",
                "変化なし: 合格 {passing}、不合格 {failing}",
            ).format(passing=changes.unchanged_passing, failing=changes.unchanged_failing)(lang)
        )
    lines.append(summary(current, lang))
    return "\n".join(lines)


def watch(
    path: Path,
    grade: Callable[[], ExerciseResult | None],
    show: Callable[[ExerciseResult, ExerciseResult | None], None],
    *,
    waiting: Callable[[], None] = lambda: None,
    interval: float = POLL_SECONDS,
    max_runs: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    imports: Callable[[], Sequence[Path]] = lambda: (),
) -> int:
    """Grade ``path`` now and after every save, until interrupted or ``max_runs`` gradings.

    Parameters
    ----------
    path : Path
        The file to watch.
    grade : callable
        Grades the file; None when grading itself failed (the next save tries again).
    show : callable
        ``show(result, previous)`` reports a grading; ``previous`` is None the first time.
    waiting : callable
        Called when the loop starts waiting for the next save.
    interval : float
        Seconds between two looks at the file.
    max_runs : int, optional
        Stop after this many gradings (for tests); None waits for Ctrl-C.
    sleep : callable
        ``time.sleep``, replaceable in tests.
    imports : callable
        The other files whose save grades again (the learner files ``path``
        imports); asked before every grading.

    Returns
    -------
    int
        The number of gradings done.
    """
    previous: ExerciseResult | None = None
    runs = 0
    while True:
        # before grading: a save during the grading counts as the next one
        watched = [Path(path), *(file for file in imports() if Path(file) != Path(path))]
        state = files_state(watched)
        result = grade()
        runs += 1
        if result is not None:
            show(result, previous)
            previous = result
        if max_runs is not None and runs >= max_runs:
            return runs
        waiting()
        wait_for_any_change(watched, state, interval=interval, sleep=sleep)
