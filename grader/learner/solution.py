"""``grade solution N``: the worked solution, after a pass, side by side with the learner's file.

Shown only when the workspace's last recorded grading of exercise N
(``.grade/results/exNN.json``) passed every check and the file graded is still
the same, byte for byte: the solution is the reward for a pass, to compare
with, not a way round the exercise.  (It is not a lock: the solutions ship with
the grader, in ``solutions/`` of a checkout and in the wheel.)

The two files are lined up with ``difflib``: equal lines sit on the same row,
a changed block pairs its lines in order, and lines only one file has face a
blank.  The gutter between the columns says which: ``|`` the same, ``~``
changed, ``<`` only in yours, ``>`` only in the solution.  Lines longer than a
column wrap.  A terminal narrower than ``SIDE_BY_SIDE_COLUMNS`` gets the two
files one after the other instead.

``--write`` copies the solution to ``solutions/exNN_<topic>.py`` of the
workspace: never through a symbolic link, never over a different file without
``--force``.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from grader.course import solution_path
from grader.errors import GraderError, UsageError
from grader.grading.engine import get_exercise
from grader.grading.results import Status
from grader.learner.commands import Lines, columns, relative
from grader.learner.workspace import exercise_status, find_workspace
from grader.text import Text, untrusted

SIDE_BY_SIDE_COLUMNS = 100  # below this, one file after the other: two columns of under 45 characters are unreadable
MAX_SHOWN_BYTES = 1024 * 1024
_MAX_LINE_CHARACTERS = 10_000  # a longer line is cut (and says so) before it is wrapped
_TAB = 4
MARKS = {"equal": "|", "replace": "~", "delete": "<", "insert": ">"}


class NotPassedYet(GraderError):
    """``grade solution N`` before a pass of the learner's current file (exit status 1, like a failing check)."""

    exit_code = 1


# --- may the solution be shown? ----------------------------------------------------------------------


def _workspace(start: Path | None) -> Path:
    workspace = find_workspace(start or Path.cwd())
    if workspace is None:
        raise UsageError(
            "no exercises/ folder here or in any folder above: the worked solution is shown in your workspace, "
            "after your file passes; cd into it (or make one: grade init DIR)",
            "このフォルダより上に exercises/ がありません。模範解答はワークスペースで、あなたのファイルが合格した後に"
            "表示します。ワークスペースに移動してください(作るには: grade init DIR)",
        )
    return workspace


def passed_file(workspace: Path, number: int) -> Path:
    """The learner's file whose recorded grading passed every check of exercise ``number``, unchanged since.

    Raises
    ------
    NotPassedYet
        No grading recorded (or the record is damaged), not every check passed,
        or the file has changed or gone since; the message says what to do.
    """
    status = exercise_status(workspace, number)
    again = Text("Run: grade exercise {n}", "実行してください: grade exercise {n}").format(n=number)
    if status.state == Status.FAILED:
        text = Text(
            "exercise {n} has not passed yet ({passing} of {total} checks pass at its last grading); the worked "
            "solution is shown once every check passes. Keep going: grade exercise {n} (stuck? grade hint {n})",
            "課題 {n} はまだ合格していません(前回の採点で {total} 件中 {passing} 件合格)。模範解答はすべてのチェックに"
            "合格すると表示します。続けてください: grade exercise {n}(行き詰まったら grade hint {n})",
        ).format(n=number, passing=status.passing, total=status.total)
        raise NotPassedYet(text.en, text.ja)
    if status.state != Status.PASSED or status.file is None:
        text = Text(
            "exercise {n} has no recorded pass in this workspace; the worked solution is shown once every check of "
            "your file passes. ",
            "このワークスペースには課題 {n} の合格の記録がありません。"
            "模範解答はあなたのファイルがすべてのチェックに合格すると表示します。",
        ).format(n=number)
        raise NotPassedYet(text.en + again.en, text.ja + again.ja)
    root = workspace.resolve()
    path = (root / status.file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        text = Text(
            "the file that passed exercise {n}, {file}, is not in the workspace (moved, deleted, or outside it). ",
            "課題 {n} に合格したファイル {file} がワークスペースにありません"
            "(移動・削除されたか、ワークスペースの外です)。",
        ).format(n=number, file=untrusted(status.file, 300))
        raise NotPassedYet(text.en + again.en, text.ja + again.ja)
    if status.edited_since:
        text = Text(
            "{file} has changed since it passed exercise {n}; grade it again, then ask for the solution: "
            "grade exercise {n} && grade solution {n}",
            "{file} は課題 {n} に合格した後に変更されています。もう一度採点してから模範解答を表示してください: "
            "grade exercise {n} && grade solution {n}",
        ).format(n=number, file=untrusted(status.file, 300))
        raise NotPassedYet(text.en, text.ja)
    return path


# --- the two files as lines --------------------------------------------------------------------------


def display_lines(path: Path) -> list[str]:
    """``path`` as display lines: a notebook's code cells, tabs expanded, control characters escaped."""
    if path.suffix == ".ipynb":
        from grader.notebook.cells import notebook_code_cells

        text = "\n".join(
            f"# --- {cell.label.en} ---\n{cell.code}" for cell in notebook_code_cells(path) if cell.code is not None
        )
    else:
        if path.stat().st_size > MAX_SHOWN_BYTES:
            raise UsageError(
                f"{path.name} is larger than {MAX_SHOWN_BYTES // 1024} KiB: too long to show side by side; "
                "save the worked solution instead: grade solution N --write",
                f"{path.name} は {MAX_SHOWN_BYTES // 1024} KiB を超えるため並べて表示できません。"
                "模範解答を保存してください: grade solution N --write",
            )
        text = path.read_bytes().decode("utf-8", errors="replace")
    return [untrusted(line.rstrip().expandtabs(_TAB), _MAX_LINE_CHARACTERS) for line in text.splitlines()]


# --- layout ------------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    """``text`` cut into pieces of at most ``width`` terminal columns (a CJK character takes two).

    A piece ends after its last space when that space is in its second half, so words stay whole where they can.
    """
    pieces, piece = [], ""
    for character in text:
        while piece and columns(piece) + columns(character) > width:
            space = piece.rfind(" ")
            cut = space + 1 if len(piece) // 2 <= space < len(piece) - 1 else len(piece)
            pieces.append(piece[:cut])
            piece = piece[cut:]
        piece += character
    pieces.append(piece)
    return pieces


def _pad(text: str, width: int) -> str:
    return text + " " * (width - columns(text))


def aligned(left: Sequence[str], right: Sequence[str]) -> Iterator[tuple[int | None, int | None, str]]:
    """Row by row: (index in ``left`` or None, index in ``right`` or None, the gutter mark), equal lines together."""
    matcher = difflib.SequenceMatcher(None, list(left), list(right), autojunk=False)
    for tag, low, high, right_low, right_high in matcher.get_opcodes():
        for offset in range(max(high - low, right_high - right_low)):
            i = low + offset if low + offset < high else None
            j = right_low + offset if right_low + offset < right_high else None
            yield i, j, MARKS[tag]


def side_by_side(
    left: Sequence[str], right: Sequence[str], width: int, titles: tuple[str, str] = ("", "")
) -> list[str]:
    """Two files in two columns that together take at most ``width`` terminal columns.

    Each column is a line number and the line, wrapped at the column's width;
    the gutter holds the mark of ``MARKS`` (the same, changed, only left, only
    right).  ``titles`` head the columns.
    """
    digits = len(str(max(len(left), len(right), 1)))
    longest = max((columns(line) for line in (*left, *right)), default=1)
    # no wider than the longest line: a very wide terminal (or COLUMNS=100000) does not pad every row
    text_width = max(min((width - 3 - 2 * (digits + 1)) // 2, longest), 1)
    column = digits + 1 + text_width
    rows = [
        f"{_pad(_wrap(titles[0], column)[0], column)}   {_wrap(titles[1], column)[0]}".rstrip(),
        f"{'-' * column}   {'-' * column}",
    ]
    for i, j, mark in aligned(left, right):
        left_pieces = _wrap(left[i], text_width) if i is not None else [""]
        right_pieces = _wrap(right[j], text_width) if j is not None else [""]
        for row in range(max(len(left_pieces), len(right_pieces))):
            first = row == 0
            left_number = f"{i + 1:>{digits}}" if first and i is not None else " " * digits
            right_number = f"{j + 1:>{digits}}" if first and j is not None else " " * digits
            left_text = left_pieces[row] if row < len(left_pieces) else ""
            right_text = right_pieces[row] if row < len(right_pieces) else ""
            rows.append(f"{left_number} {_pad(left_text, text_width)} {mark} {right_number} {right_text}".rstrip())
    return rows


def one_after_the_other(left: Sequence[str], right: Sequence[str], titles: tuple[str, str]) -> list[str]:
    """The two files, numbered, the first then the second (for a narrow terminal)."""
    rows: list[str] = []
    for title, lines in zip(titles, (left, right), strict=True):
        digits = len(str(max(len(lines), 1)))
        rows += ["", title, "-" * min(columns(title), 80)]
        rows += [f"{number:>{digits}} {line}".rstrip() for number, line in enumerate(lines, start=1)]
    return rows


# --- grade solution N --------------------------------------------------------------------------------


def show_solution(number: int, lang: str, *, width: int, start: Path | None = None) -> Lines:
    """``grade solution N``: the worked solution next to the learner's passing file, fitted to ``width`` columns."""
    get_exercise(number)
    workspace = _workspace(start)
    mine = passed_file(workspace, number)
    solution = solution_path(number)
    titles = (
        Text("yours: {file}", "あなたのファイル: {file}").format(
            file=untrusted(mine.relative_to(workspace.resolve()).as_posix(), 300)
        ),
        Text("worked solution: {file}", "模範解答: {file}").format(file=solution.name),
    )
    left, right = display_lines(mine), display_lines(solution)
    lines = Lines()
    if width >= SIDE_BY_SIDE_COLUMNS:
        lines.out.append(
            Text(
                "| the same   ~ changed   < only in yours   > only in the solution",
                "| 同じ行   ~ 異なる行   < あなたのファイルだけ   > 模範解答だけ",
            )(lang)
        )
        lines.out += side_by_side(left, right, width, (titles[0](lang), titles[1](lang)))
    else:
        lines.out += one_after_the_other(left, right, (titles[0](lang), titles[1](lang)))
        lines.out.append(
            Text(
                "\n(The terminal is narrower than {columns} columns: the files are shown one after the other; "
                "widen it to see them side by side.)",
                "\n(端末の幅が {columns} 桁未満のため、2 つのファイルを順に表示しました。幅を広げると並べて表示します)",
            ).format(columns=SIDE_BY_SIDE_COLUMNS)(lang)
        )
    lines.out.append(
        Text(
            "Keep a copy in your workspace: grade solution {n} --write",
            "ワークスペースに保存: grade solution {n} --write",
        ).format(n=number)(lang)
    )
    return lines


def write_solution(number: int, lang: str, *, force: bool = False, start: Path | None = None) -> Lines:
    """``grade solution N --write``: copy the worked solution to ``solutions/`` of the workspace, after a pass.

    Raises
    ------
    UsageError
        ``solutions/`` or the target is a symbolic link or not a regular
        file, or the target holds a different file and ``force`` is false.
    """
    get_exercise(number)
    workspace = _workspace(start)
    passed_file(workspace, number)
    source = solution_path(number)
    content = source.read_bytes()
    folder = workspace / "solutions"
    target = folder / source.name
    shown = relative(target)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(
            f"{relative(folder)} is a symbolic link or not a folder: the solution is written only inside the "
            "workspace; remove or rename it, then run grade solution N --write again",
            f"{relative(folder)} はシンボリックリンクかフォルダ以外です。"
            "模範解答はワークスペースの中にだけ書き出します。"
            "削除するか名前を変えてから、もう一度 grade solution N --write を実行してください",
        )
    try:
        folder.mkdir(exist_ok=True)
    except OSError as problem:
        raise _not_written(folder, problem) from None
    if not folder.resolve().is_relative_to(workspace.resolve()):  # a race, or a mount: never write outside
        raise UsageError(f"{relative(folder)} is outside the workspace {workspace}; nothing written")
    existing = _existing(target)
    if existing is not None:
        if existing == content:
            return Lines(
                out=[
                    Text(
                        "{file} is the worked solution already: unchanged.", "{file} はすでに模範解答です(変更なし)。"
                    ).format(file=shown)(lang)
                ]
            )
        if not force:
            raise UsageError(
                f"{shown} exists and differs from the worked solution (your notes?); it is kept. "
                f"To replace it: grade solution {number} --write --force",
                f"{shown} はすでにあり、模範解答と内容が異なるため残しました(メモを書き加えましたか?)。"
                f"置き換えるには: grade solution {number} --write --force",
            )
    try:
        _write_whole(folder, target, content)
    except OSError as problem:
        raise _not_written(target, problem) from None
    return Lines(
        out=[
            Text(
                "Wrote the worked solution of exercise {n} to {file}",
                "課題 {n} の模範解答を {file} に書き出しました",
            ).format(n=number, file=shown)(lang)
        ]
    )


def _not_written(path: Path, problem: OSError) -> GraderError:
    reason = problem.strerror or str(problem)
    return GraderError(
        f"could not write {relative(path)} ({reason}); nothing was changed",
        f"{relative(path)} を書き出せませんでした({reason})。何も変更していません",
    )


def _existing(target: Path) -> bytes | None:
    """The bytes of ``target`` when it is a regular file, None when it is missing; refused when anything else."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        return None
    except OSError as problem:
        raise _not_written(target, problem) from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"{relative(target)} is a symbolic link or not a regular file: nothing written (not even with --force); "
            "remove it, then run grade solution N --write again",
            f"{relative(target)} はシンボリックリンクか通常のファイルではないため書き出しません(--force でも同じ)。"
            "削除してから、もう一度 grade solution N --write を実行してください",
        )
    try:
        return target.read_bytes()
    except OSError as problem:
        raise _not_written(target, problem) from None


def _write_whole(folder: Path, target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` through a new temporary file in ``folder`` and a rename: whole or not at all."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)  # replaces a name, never follows a link put there meanwhile
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
