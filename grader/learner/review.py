"""``grade review``: the quiz questions that are due, across every quiz, spaced by SM-2.

The scheduler and its file are ``grader.quiz.review``; this module finds where
the learner's progress is kept (the workspace, else the user's data folder),
plans a session, asks it and says what comes next.  ``now`` is injectable so a
test can stand on any day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np

from grader.learner.commands import Lines
from grader.learner.datadir import ensure_writable, user_data_dir
from grader.learner.workspace import find_workspace
from grader.quiz.review import (
    DEFAULT_LIMIT,
    Card,
    Schedule,
    due_cards,
    due_counts,
    known,
    load_schedule,
    local_date,
    new_questions,
    next_due,
    record_answers,
    run_review,
    save_schedule,
    when,
)
from grader.text import Text

START_NEW = Text(
    "To start on questions you have not answered yet: grade review --new 10",
    "まだ答えていない問題から始めるには: grade review --new 10",
)


NOT_SAVED = Text(
    "grade: could not save the review schedule: {problem}", "grade: 復習の予定を保存できませんでした: {problem}"
)


def review_session(
    lang: str,
    *,
    input: TextIO,
    output: TextIO,
    seed: int | None = None,
    limit: int = DEFAULT_LIMIT,
    new: int = 0,
    now: datetime | None = None,
) -> Lines:
    """Ask the due questions (at most ``limit``, oldest due first) and ``new`` unseen ones; update the schedule.

    The status is 1 when the answers stopped before the last question (what was
    answered is kept), else 0, also when nothing is due.
    """
    from grader.quiz.bank import load_bank, quiz_number

    now = (now or datetime.now()).astimezone()
    today = local_date(now)
    lines = Lines()
    workspace = find_workspace(Path.cwd())
    if workspace is None:  # never a stray ./.grade/
        workspace = ensure_writable(user_data_dir())
        output.write(
            Text(
                "Not in a workspace: your review schedule is kept in {folder} (DLGRADE_DATA_DIR changes it).\n\n",
                "ワークスペースの外です。復習の予定は {folder} に保存します(DLGRADE_DATA_DIR で変更できます)。\n\n",
            ).format(folder=workspace)(lang)
        )
    quizzes, errors = load_bank()
    for error in errors:
        lines.warnings.append(
            Text("grade: left out of the review: {error}", "grade: 復習から除きました: {error}").format(error=error)(
                lang
            )
        )
    schedule = load_schedule(workspace, now=now)
    if schedule.notice is not None:  # the damaged file is set aside: keep what could be read at once
        lines.warnings.append("grade: " + schedule.notice(lang))
    broken = {number for number in map(quiz_number, (error.path for error in errors)) if number is not None}
    present = {card.key for card in known(schedule, quizzes, lang)}
    # a question taken out of the course goes; one of a quiz file with an error waits for the fix
    gone = [key for key, card in schedule.cards.items() if key not in present and card.quiz not in broken]
    for key in gone:
        del schedule.cards[key]
    if schedule.notice is not None or gone:
        _save(workspace, schedule.cards, lines, lang)
    cards = known(schedule, quizzes, lang)
    rng = np.random.default_rng(seed)
    plan = due_cards(cards, today, rng)[:limit] + new_questions(schedule, quizzes, lang, new)
    if not plan:
        upcoming = next_due(cards)
        if upcoming is None:
            lines.out.append(
                Text(
                    "No question is scheduled yet: answer some with grade quiz N (see grade list).",
                    "予定された問題はまだありません。grade quiz N で確認テストに答えてください(grade list を参照)。",
                )(lang)
            )
        else:
            lines.out.append(
                Text("Nothing is due today. Next due: {when}.", "今日の復習はありません。次の復習: {when}。").format(
                    when=when(upcoming, today, lang)
                )(lang)
            )
        if new == 0 and new_questions(schedule, quizzes, lang, 1):
            lines.out.append(START_NEW(lang))
        elif new:
            lines.out.append(
                Text("Every question has been answered at least once.", "すべての問題に一度は答えています。")(lang)
            )
        return lines
    session = run_review(plan, quizzes, lang, input=input, output=output, seed=seed)
    by_quiz: dict[int, list[dict]] = {}
    for answer in session.answers:
        by_quiz.setdefault(answer["quiz"], []).append(answer)
    try:
        for number, answers in by_quiz.items():
            record_answers(workspace, number, answers, now)
    except OSError as problem:
        lines.warnings.append(NOT_SAVED.format(problem=problem)(lang))
        lines.status = 3
        return lines
    lines.out += summary(workspace, session.answers, today, lang)
    if len(session.answers) < session.planned:
        lines.out.append(
            Text(
                "Stopped after {done} of {total}; the answers given are kept.",
                "{total} 問中 {done} 問で終了しました。答えた分は記録しました。",
            ).format(done=len(session.answers), total=session.planned)(lang)
        )
        lines.status = 1
    return lines


def _save(workspace: Path, cards: dict[str, Card], lines: Lines, lang: str) -> None:
    try:
        save_schedule(workspace, Schedule(dict(cards)))
    except OSError as problem:
        lines.warnings.append(NOT_SAVED.format(problem=problem)(lang))


def summary(workspace: Path, answers: list[dict], today: date, lang: str) -> list[str]:
    """Reviewed, right, the next due date and how many are due tomorrow."""
    schedule = load_schedule(workspace, set_aside=False)
    right = sum(1 for answer in answers if answer["correct"])
    lines = [
        Text("Reviewed {count}, {right} right.", "復習 {count} 問、正解 {right} 問。").format(
            count=len(answers), right=right
        )(lang)
    ]
    upcoming = next_due(schedule.cards.values())
    tomorrow = sum(1 for card in schedule.cards.values() if card.due is not None and card.due <= today + timedelta(1))
    due_now = sum(1 for card in schedule.cards.values() if card.due is not None and card.due <= today)
    if upcoming is not None:
        lines.append(
            Text(
                "Next due: {when}; due by tomorrow: {tomorrow} of {total} scheduled.",
                "次の復習: {when}。明日までに復習する問題: 予定 {total} 問中 {tomorrow} 問。",
            ).format(when=when(upcoming, today, lang), tomorrow=tomorrow, total=len(schedule.cards))(lang)
        )
    if due_now:
        lines.append(
            Text("Still due today: {count}: grade review", "今日の復習がまだ {count} 問あります: grade review").format(
                count=due_now
            )(lang)
        )
    return lines


def review_line(lang: str, workspace: Path, now: datetime | None = None) -> list[str]:
    """``grade list``'s line: ``review: 3 due today (41 scheduled)``, from the schedule file alone."""
    due, scheduled, notice = due_counts(workspace, now)
    if notice is not None:
        return ["", Text("review: ", "復習: ")(lang) + notice(lang)]
    if not scheduled:
        return [
            "",
            Text("review: nothing scheduled yet (grade review --new 10)", "復習: 予定なし(grade review --new 10)")(
                lang
            ),
        ]
    return [
        "",
        Text(
            "review: {due} due today ({scheduled} scheduled): grade review",
            "復習: 今日 {due} 問(予定 {scheduled} 問): grade review",
        ).format(due=due, scheduled=scheduled)(lang),
    ]


def schedule_answers(workspace: Path, quiz_number: int, answers: list[dict], lang: str) -> list[str]:
    """Count the answers of a ``grade quiz`` run as reviews; the warnings to show, if any."""
    if not answers:
        return []
    try:
        schedule = record_answers(workspace, quiz_number, answers)
    except OSError as problem:
        return [NOT_SAVED.format(problem=problem)(lang)]
    return [] if schedule.notice is None else ["grade: " + schedule.notice(lang)]
