"""``grade exam``: a timed mock exam in the terminal or as a page, and its history (see ``grader.quiz.exam``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from grader.errors import GraderError
from grader.learner.commands import Lines, relative
from grader.learner.datadir import ensure_writable, user_data_dir
from grader.learner.workspace import find_workspace
from grader.quiz.bank import load_bank
from grader.quiz.exam import (
    DEFAULT_MINUTES,
    DEFAULT_QUESTIONS,
    Paper,
    append_history,
    draw_paper,
    history_lines,
    read_history,
    result_lines,
    run_exam,
)
from grader.text import Text


def paper(
    lang: str, *, questions: int = DEFAULT_QUESTIONS, minutes: int = DEFAULT_MINUTES, seed: int | None = None
) -> tuple[Paper, list[str]]:
    """Draw a paper from the course's bank; warnings name the quiz files left out."""
    quizzes, errors = load_bank()
    warnings = [f"grade: {error}" for error in errors]
    if errors:
        warnings.append(
            Text(
                "grade: the quizzes above are left out of the exam",
                "grade: 上の確認テストは模擬試験から除きました",
            )(lang)
        )
    drawn = draw_paper(quizzes, lang, count=questions, minutes=minutes, seed=seed)
    if not drawn.questions:
        raise GraderError(
            "the quiz bank has no question a mock exam can ask (single answer with 4 options, or numeric)",
            ja="模擬試験に出題できる問題(4 択の単一選択または数値)が確認テストにありません",
        )
    return drawn, warnings


def state_folder(lang: str, output: TextIO | None = None) -> Path:
    """The workspace, else the user's data folder (said on ``output``); never a stray ./.grade/."""
    workspace = find_workspace(Path.cwd())
    if workspace is not None:
        return workspace
    folder = ensure_writable(user_data_dir())
    if output is not None:
        output.write(
            Text(
                "Not in a workspace: your exam history is kept in {folder} (DLGRADE_DATA_DIR changes it).\n\n",
                "ワークスペースの外です。模擬試験の記録は {folder} に保存します(DLGRADE_DATA_DIR で変更できます)。\n\n",
            ).format(folder=folder)(lang)
        )
    return folder


def take_exam(
    lang: str,
    *,
    input: TextIO,
    output: TextIO,
    questions: int = DEFAULT_QUESTIONS,
    minutes: int = DEFAULT_MINUTES,
    seed: int | None = None,
    clock=time.monotonic,
) -> Lines:
    """``grade exam``: draw, ask, score, keep in the history. Status 1 when the exam was abandoned."""
    drawn, warnings = paper(lang, questions=questions, minutes=minutes, seed=seed)
    lines = Lines(warnings=warnings)
    folder = state_folder(lang, output)
    session = run_exam(drawn, input=input, output=output, clock=clock)
    if session.ended == "abandoned":
        lines.status = 1
        return lines
    lines.out += result_lines(drawn, session)
    try:
        path, set_aside = append_history(folder, drawn, session)
    except OSError as problem:
        lines.warnings.append(
            Text("Could not save the exam: {problem}", "模擬試験の記録を保存できませんでした: {problem}").format(
                problem=problem
            )(lang)
        )
        return lines
    if set_aside:
        lines.warnings.append(
            Text(
                "grade: the exam history could not be read (damaged or edited); it was set aside as {aside}",
                "grade: 模擬試験の記録が読めなかったため(破損または編集)、{aside} に退避しました",
            ).format(aside=relative(Path(set_aside)))(lang)
        )
    lines.out.append("")
    lines.out.append(
        Text(
            "Saved in {path}; past exams: grade exam --history",
            "{path} に保存しました。過去の記録: grade exam --history",
        ).format(path=relative(path))(lang)
    )
    lines.out.append(
        Text(
            "Take the same paper again: grade exam --seed {seed}", "同じ問題でもう一度: grade exam --seed {seed}"
        ).format(seed=drawn.seed)(lang)
        + ("" if questions == DEFAULT_QUESTIONS else f" --questions {questions}")
        + ("" if minutes == DEFAULT_MINUTES else f" --minutes {minutes}")
    )
    return lines


def exam_history(lang: str) -> Lines:
    """``grade exam --history``: every exam kept, oldest first."""
    workspace = find_workspace(Path.cwd())
    folder = workspace if workspace is not None else user_data_dir()
    return Lines(out=history_lines(read_history(folder), lang))


def write_exam_page(
    out: Path,
    lang: str,
    *,
    questions: int = DEFAULT_QUESTIONS,
    minutes: int = DEFAULT_MINUTES,
    seed: int | None = None,
) -> Lines:
    """``grade exam --html OUT``: the paper as one self-contained page."""
    from grader.quiz.exam_page import render_exam_page

    drawn, warnings = paper(lang, questions=questions, minutes=minutes, seed=seed)
    try:
        out.write_text(render_exam_page(drawn), encoding="utf-8")
    except OSError as problem:
        raise GraderError(
            f"can not write {out}: {problem.strerror or problem}",
            ja=f"{out} に書き込めません: {problem.strerror or problem}",
        ) from problem
    lines = Lines(warnings=warnings)
    if drawn.available < drawn.requested:
        lines.out.append(
            Text(
                "The bank has only {available} eligible questions: all of them are on the page.",
                "出題できる問題は {available} 問しかないため、すべてをページに載せました。",
            ).format(available=drawn.available)(lang)
        )
    lines.out.append(
        Text(
            "Wrote {path} ({count} questions, {minutes} minutes, seed {seed})",
            "{path} に書き出しました({count} 問、{minutes} 分、シード {seed})",
        ).format(path=out, count=len(drawn.questions), minutes=minutes, seed=drawn.seed)(lang)
    )
    return lines
