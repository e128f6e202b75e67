r"""A timed, E資格-style mock exam: drawing the paper, taking it in the terminal, scoring, history.

The E資格 is a timed computer-based test of about 100 four-choice questions in
120 minutes. ``grade exam`` draws such a paper from the quiz bank:

Eligible questions
    Single-answer questions with exactly 4 options, and numeric questions.
    Select-all questions and questions with another number of options are
    left out (the exam has neither).

Topics
    A topic is one quiz of the bank (``quizzes/LANG/NN-topic.md``: "Optimizers",
    "RNN", ...); each quiz names its syllabus area (``AREAS``). The paper is
    stratified by topic: each topic gets a share of the questions proportional
    to its eligible questions (largest remainders, ties to the lower quiz
    number), so a 100-question paper from a bank of 285 eligible questions
    takes about 35 % of every topic. Scores are given per topic and per area.

Randomness
    One ``np.random.Generator`` seeded with ``seed`` draws the questions of each
    topic, the order of the paper and (through ``option_order``) the order of
    the options, so a seed gives the same paper in the terminal, in the page and
    in both languages (the two languages of a quiz share ids and answers).
    Without ``--seed`` a seed is drawn and recorded, so any exam can be taken
    again.

Terminal commands at each prompt (the remaining time is shown in the prompt):
a letter or a number answers; ``f`` flags or unflags; Enter or ``n`` goes to
the next question, ``p`` to the previous one, ``g 17`` to question 17; ``l``
lists every question as answered, flagged or unanswered; ``x`` clears the
answer; ``s`` submits (asking to confirm while questions are unanswered or
flagged); ``q`` abandons the exam (asked to confirm; nothing is saved). When
the time is up, the next line typed ends the exam: that line is not counted,
every answer given before it is. The end of the input ends the exam the same
way.

History: every finished exam is appended to ``.grade/exam-history.json`` of
the workspace (or of the user's data folder), keeping the latest
``HISTORY_LIMIT``. A file that can not be read as a history is set aside
(renamed ``exam-history.json.corrupt-<time>``) with a message, never a
traceback.
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from grader.quiz.bank import AREAS, Question, Quiz, is_correct, option_order
from grader.quiz.terminal import (
    LETTERS,
    format_number,
    parse_letters,
    parse_number,
    plain_text,
    readable_math,
)
from grader.statefile import read_state, write_state
from grader.text import Text, untrusted

DEFAULT_QUESTIONS = 100
DEFAULT_MINUTES = 120
OPTION_COUNT = 4
HISTORY_FILE = Path(".grade") / "exam-history.json"
HISTORY_LIMIT = 200  # about 2 KB each: far below what statefile reads (1 MiB)
MAX_SEED = 2**32 - 1
QUIT_WORDS = ("q", "quit", "exit")
YES = ("y", "yes", "はい")


def eligible(question: Question) -> bool:
    """Whether ``question`` can be on the paper: single answer with 4 options, or numeric."""
    if question.kind == "numeric":
        return question.answer is not None
    return question.kind == "single" and len(question.options) == OPTION_COUNT


@dataclass(frozen=True)
class ExamQuestion:
    """One question of a paper: the quiz (topic) it comes from and the order its options are shown in."""

    quiz: Quiz
    question: Question
    order: tuple[int, ...]


@dataclass(frozen=True)
class Paper:
    """A drawn exam paper.

    ``available`` is how many eligible questions the bank had; ``requested``
    the number asked for (the paper holds ``min(requested, available)``).
    """

    lang: str
    seed: int
    minutes: int
    requested: int
    available: int
    questions: tuple[ExamQuestion, ...]


def allocate(sizes: Mapping[int, int], count: int) -> dict[int, int]:
    """How many questions each topic gets: proportional to ``sizes``, summing to ``min(count, total)``.

    Parameters
    ----------
    sizes : mapping of int to int
        Quiz number -> its eligible questions.
    count : int
        Questions wanted on the paper.

    Returns
    -------
    dict of int to int
        Quiz number -> questions drawn from it: ``floor(count * size / total)``,
        plus one for the topics with the largest remainders (ties to the lower
        quiz number) until the paper is full; every topic when ``count >= total``.
    """
    total = sum(sizes.values())
    if count >= total:
        return dict(sizes)
    quotas = {number: count * size / total for number, size in sizes.items()}
    shares = {number: min(sizes[number], math.floor(quota)) for number, quota in quotas.items()}
    left = count - sum(shares.values())
    by_remainder = sorted(quotas, key=lambda number: (-(quotas[number] - math.floor(quotas[number])), number))
    for number in by_remainder:
        if left <= 0:
            break
        if shares[number] < sizes[number]:
            shares[number] += 1
            left -= 1
    return shares


def draw_paper(
    quizzes: Mapping[tuple[int, str], Quiz],
    lang: str,
    *,
    count: int = DEFAULT_QUESTIONS,
    minutes: int = DEFAULT_MINUTES,
    seed: int | None = None,
) -> Paper:
    """Draw a paper of ``count`` eligible questions, stratified by topic (see the module docstring).

    Parameters
    ----------
    quizzes : mapping
        ``(number, lang) -> Quiz`` as ``load_bank`` returns it.
    lang : str
        The language of the paper.
    count, minutes : int
        Questions wanted (all the eligible ones when the bank has fewer) and the time allowed.
    seed : int, optional
        Fixes the paper; None draws a seed (recorded in the paper).
    """
    if seed is None:
        seed = int(np.random.default_rng().integers(MAX_SEED))
    rng = np.random.default_rng(seed)
    pools = {
        number: [question for question in quiz.questions if eligible(question)]
        for (number, quiz_lang), quiz in sorted(quizzes.items())
        if quiz_lang == lang
    }
    pools = {number: pool for number, pool in pools.items() if pool}
    shares = allocate({number: len(pool) for number, pool in pools.items()}, count)
    drawn: list[ExamQuestion] = []
    for number, pool in pools.items():
        quiz = quizzes[(number, lang)]
        for index in sorted(rng.choice(len(pool), size=shares[number], replace=False).tolist()):
            question = pool[index]
            order = tuple(option_order(question, seed, quiz.shuffle))
            drawn.append(ExamQuestion(quiz, question, order))
    paper_order = rng.permutation(len(drawn)).tolist()
    return Paper(
        lang=lang,
        seed=seed,
        minutes=minutes,
        requested=count,
        available=sum(len(pool) for pool in pools.values()),
        questions=tuple(drawn[index] for index in paper_order),
    )


# --- scoring ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicScore:
    """Right answers out of the questions asked, for one topic (a quiz) or one area."""

    key: str  # the quiz number as text, or the area's key
    title: str
    area: str
    right: int
    total: int

    @property
    def percent(self) -> int:
        """The share right, rounded to a whole percent."""
        return round(100 * self.right / self.total) if self.total else 0


@dataclass
class Session:
    """What happened during an exam: answers (by position on the paper), flags, time, how it ended.

    ``ended`` is ``submitted``, ``time`` (the time ran out), ``input`` (the
    input ended) or ``abandoned`` (q, confirmed: not scored).
    """

    responses: dict[int, set[int] | float] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    seconds: float = 0.0
    ended: str = "submitted"


def correct(paper: Paper, session: Session, position: int) -> bool:
    """Whether the question at ``position`` (0-based) was answered right."""
    response = session.responses.get(position)
    return response is not None and is_correct(paper.questions[position].question, response)


def topic_scores(paper: Paper, session: Session) -> tuple[list[TopicScore], list[TopicScore]]:
    """Scores per topic (quiz number order) and per area (``AREAS`` order)."""
    topics: dict[int, list[int]] = {}
    areas: dict[str, list[int]] = {}
    titles: dict[int, Quiz] = {}
    for position, item in enumerate(paper.questions):
        right = int(correct(paper, session, position))
        titles[item.quiz.number] = item.quiz
        for tally in (topics.setdefault(item.quiz.number, [0, 0]), areas.setdefault(item.quiz.area, [0, 0])):
            tally[0] += right
            tally[1] += 1
    by_topic = [
        TopicScore(str(number), titles[number].title, titles[number].area, *topics[number]) for number in sorted(topics)
    ]
    area_names = {key: title(paper.lang) for key, title in AREAS.items()}
    area_order = [key for key in AREAS if key in areas] + sorted(key for key in areas if key not in AREAS)
    by_area = [
        TopicScore(key, area_names.get(key) or Text("(no area)", "(分野なし)")(paper.lang), key, *areas[key])
        for key in area_order
    ]
    return by_topic, by_area


# --- the terminal -----------------------------------------------------------------------------------

T = {
    "heading": Text(
        "Mock exam: {count} questions, {minutes} minutes (seed {seed})",
        "模擬試験: {count} 問、{minutes} 分(シード {seed})",
    ),
    "fewer": Text(
        "The bank has only {available} eligible questions (single answer with 4 options, or numeric): "
        "all of them are on the paper, not {requested}.",
        "出題できる問題(4 択の単一選択または数値)は {available} 問しかないため、{requested} 問ではなく"
        "全 {available} 問を出題します。",
    ),
    "how": Text(
        "Answer with a letter (a-d) or a number. f flag/unflag, Enter or n next, p previous, g 17 go to "
        "question 17, l list, x clear the answer, s submit, q abandon, ? this help.",
        "記号(a-d)または数値で答えます。f 見直しマーク、Enter または n 次へ、p 前へ、g 17 で第 17 問へ、"
        "l 一覧、x 答えを消す、s 提出、q 中止、? このヘルプ。",
    ),
    "remaining": Text("{time} left", "残り {time}"),
    "prompt": Text("answer / f n p g l s: ", "答え / f n p g l s: "),
    "flag_on": Text("Flagged question {n} for review.", "第 {n} 問に見直しマークを付けました。"),
    "flag_off": Text("Flag taken off question {n}.", "第 {n} 問の見直しマークを外しました。"),
    "flag_mark": Text("[flagged]", "[見直し]"),
    "your_answer": Text("Your answer: {answer}", "あなたの答え: {answer}"),
    "numeric_hint": Text("(Answer with a number.)", "(数値で答えてください。)"),
    "cleared": Text("Answer to question {n} cleared.", "第 {n} 問の答えを消しました。"),
    "last": Text(
        "That was the last question: s submits, l lists what is left, g N goes to a question.",
        "最後の問題です。s で提出、l で残りの一覧、g N で問題へ移動します。",
    ),
    "first": Text("This is the first question.", "最初の問題です。"),
    "no_such": Text(
        "There is no question {n}: type g and a number from 1 to {total}.",
        "第 {n} 問はありません。g と 1 から {total} までの番号を入力してください。",
    ),
    "bad_letter": Text(
        "Type one letter (a-d), a command (f n p g l x s q), or ? for help.",
        "記号(a-d)を 1 つ、またはコマンド(f n p g l x s q)を入力してください。? でヘルプを表示します。",
    ),
    "bad_number": Text(
        "Type a number (e.g. 0.25 or 7), a command (f n p g l x s q), or ? for help.",
        "数値(例: 0.25、7)またはコマンド(f n p g l x s q)を入力してください。? でヘルプを表示します。",
    ),
    "list_head": Text(
        "Answered {answered}, flagged {flagged}, unanswered {unanswered} (* answered, ! flagged, - unanswered):",
        "回答済み {answered}、見直し {flagged}、未回答 {unanswered}(* 回答済み、! 見直し、- 未回答):",
    ),
    "confirm_submit": Text(
        "{unanswered} unanswered and {flagged} flagged. Submit now? (y/n) ",
        "未回答 {unanswered} 問、見直し {flagged} 問があります。提出しますか? (y/n) ",
    ),
    "confirm_quit": Text(
        "Abandon the exam? Nothing is scored or saved. (y/n) ",
        "模擬試験を中止しますか? 採点も保存もしません。(y/n) ",
    ),
    "time_up": Text(
        "Time is up: the exam ends here; that last input was not counted.",
        "時間切れです。ここで終了します。最後の入力は採点に含めません。",
    ),
    "input_ended": Text(
        "The input ended: the exam ends here, with the answers given.",
        "入力が終わったため、ここで終了します。それまでの答えを採点します。",
    ),
    "abandoned": Text("Exam abandoned: nothing saved.", "模擬試験を中止しました。保存していません。"),
    "score": Text(
        "Score: {right}/{total} ({percent}%), time used {used} of {minutes}:00{how}",
        "得点: {right}/{total}({percent}%)、所要時間 {used} / {minutes}:00{how}",
    ),
    "ended_time": Text(", time ran out", "、時間切れ"),
    "ended_input": Text(", input ended", "、入力終了"),
    "by_area": Text("By syllabus area (E資格):", "シラバスの分野別(E資格):"),
    "by_topic": Text("By topic (quiz):", "トピック別(確認テスト):"),
    "review_head": Text(
        "Wrong or unanswered ({count}), with the right answer and the explanation:",
        "不正解・未回答の問題({count} 問)と正解・解説:",
    ),
    "unanswered": Text("not answered", "未回答"),
    "right_answer": Text("Right answer: {answer}", "正解: {answer}"),
    "explanation": Text("Explanation:", "解説:"),
    "all_right": Text("Every answer is right.", "全問正解です。"),
    "from_quiz": Text("quiz {n}", "確認テスト {n}"),
}


def clock_text(seconds: float) -> str:
    """``1:59:32`` or ``4:05``: a remaining time, never negative."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _shown(text: str) -> str:
    return untrusted(text, len(text))


def response_text(item: ExamQuestion, response: set[int] | float | None, lang: str) -> str:
    """How an answer reads: the letter shown and the option's text, the number, or "not answered"."""
    if response is None:
        return T["unanswered"](lang)
    if isinstance(response, float):
        return format_number(response)
    parts = []
    for index in sorted(response):
        letter = LETTERS[item.order.index(index)]
        option = " ".join(plain_text(item.question.options[index].text))
        parts.append(f"{letter}) {option}")
    return "; ".join(parts)


def right_answer_text(item: ExamQuestion, lang: str) -> str:
    """The right answer as shown: ``b) the option`` or ``7 ± 0.5``."""
    question = item.question
    if question.kind == "numeric":
        value = format_number(question.answer if question.answer is not None else float("nan"))
        return value + (f" ± {format_number(question.tolerance)}" if question.tolerance else "")
    return response_text(item, set(question.correct_indices), lang)


def question_lines(paper: Paper, position: int, session: Session) -> list[str]:
    """The question at ``position`` as terminal lines: number, topic, flag, text, options, answer given."""
    lang, item = paper.lang, paper.questions[position]
    topic = f"{T['from_quiz'](lang).format(n=item.quiz.number)}: {_shown(item.quiz.title)}"
    flag = f"  {T['flag_mark'](lang)}" if position in session.flagged else ""
    lines = [f"\n[{position + 1}/{len(paper.questions)}] {_shown(readable_math(item.question.title))}  ({topic}){flag}"]
    lines += plain_text(item.question.body)
    lines.append("")
    if item.question.kind == "numeric":
        lines.append(T["numeric_hint"](lang))
    for shown, index in enumerate(item.order):
        text_lines = plain_text(item.question.options[index].text) or [""]
        lines.append(f"  {LETTERS[shown]}) {text_lines[0]}")
        lines += [f"     {more}" for more in text_lines[1:]]
    if position in session.responses:
        lines.append(T["your_answer"](lang).format(answer=response_text(item, session.responses[position], lang)))
    return lines


def list_lines(paper: Paper, session: Session) -> list[str]:
    """Every question's state, ten to a line: ``*`` answered, ``!`` flagged, ``-`` unanswered."""
    total = len(paper.questions)
    answered = len(session.responses)
    lines = [
        T["list_head"](paper.lang).format(answered=answered, flagged=len(session.flagged), unanswered=total - answered)
    ]
    cells = []
    for position in range(total):
        mark = "*" if position in session.responses else "-"
        mark += "!" if position in session.flagged else " "
        cells.append(f"{position + 1:4d}{mark}")
    lines += ["".join(cells[start : start + 10]) for start in range(0, total, 10)]
    return lines


def run_exam(paper: Paper, *, input: TextIO, output: TextIO, clock: Callable[[], float] = time.monotonic) -> Session:
    """Take ``paper`` in the terminal; return what was answered and how the exam ended.

    Parameters
    ----------
    paper : Paper
        The questions; its language is the language of every message.
    input, output : text streams
        Commands and answers come one per line (see the module docstring).
    clock : callable
        Seconds on a monotonic clock (a fake one in tests).
    """
    return _Terminal(paper, input, output, clock).run()


class _Terminal:
    """One exam in a terminal: the position on the paper and what each line typed does."""

    def __init__(self, paper: Paper, input: TextIO, output: TextIO, clock: Callable[[], float]) -> None:
        self.paper, self.lang, self.total = paper, paper.lang, len(paper.questions)
        self.input, self.output, self.clock = input, output, clock
        self.session = Session()
        self.started = clock()
        self.deadline = self.started + paper.minutes * 60
        self.echo = not (hasattr(input, "isatty") and input.isatty())
        self.position = 0
        self.show = True
        self.done = False

    def write(self, *lines: str) -> None:
        for line in lines:
            self.output.write(line + "\n")

    def say(self, key: str, **values: object) -> None:
        self.write(T[key](self.lang).format(**values))

    def read(self, prompt: str) -> str | None:
        """A line typed, or None when the input ended or the time is up (the exam ends then)."""
        self.output.write(prompt)
        self.output.flush()
        line = self.input.readline()
        if not line:
            self.output.write("\n")
            self.say("input_ended")
            self.end("input")
            return None
        if self.echo:  # piped answers: show them, so the transcript reads like a session
            self.output.write(line if line.endswith("\n") else line + "\n")
        if self.clock() >= self.deadline:
            self.say("time_up")
            self.end("time")
            return None
        return unicodedata.normalize("NFKC", line).strip()

    def end(self, how: str) -> None:
        self.session.ended = how
        self.done = True

    def go(self, position: int) -> None:
        if position >= self.total:
            self.say("last")
        elif position < 0:
            self.say("first")
        else:
            self.position, self.show = position, True

    def run(self) -> Session:
        self.say("heading", count=self.total, minutes=self.paper.minutes, seed=self.paper.seed)
        if self.paper.available < self.paper.requested:
            self.say("fewer", available=self.paper.available, requested=self.paper.requested)
        self.say("how")
        while self.total and not self.done:
            if self.show:
                self.write(*question_lines(self.paper, self.position, self.session))
                self.show = False
            remaining = T["remaining"](self.lang).format(time=clock_text(self.deadline - self.clock()))
            text = self.read(f"[{remaining}] {T['prompt'](self.lang)}")
            if text is not None:
                self.step(text)
        self.session.seconds = min(self.clock(), self.deadline) - self.started
        return self.session

    def step(self, text: str) -> None:
        """Do what one line typed says."""
        command = text.lower()
        if command in ("", "n"):
            self.go(self.position + 1)
        elif command == "p":
            self.go(self.position - 1)
        elif command == "f":
            self.flag()
        elif command == "l":
            self.write(*list_lines(self.paper, self.session))
        elif command == "x":
            self.session.responses.pop(self.position, None)
            self.say("cleared", n=self.position + 1)
        elif command in ("?", "h", "help"):
            self.say("how")
        elif command.startswith("g") and command[1:].strip().isdecimal():
            self.jump(command[1:].strip())
        elif command == "s":
            self.submit()
        elif command in QUIT_WORDS:
            self.quit()
        else:
            self.answer(text)

    def flag(self) -> None:
        flagged = self.session.flagged
        if self.position in flagged:
            flagged.discard(self.position)
            self.say("flag_off", n=self.position + 1)
        else:
            flagged.add(self.position)
            self.say("flag_on", n=self.position + 1)

    def jump(self, digits: str) -> None:
        target = int(digits) if len(digits) < 12 else 0  # no 5000-digit int
        if 1 <= target <= self.total:
            self.go(target - 1)
        else:
            self.say("no_such", n=digits[:12], total=self.total)

    def submit(self) -> None:
        unanswered = self.total - len(self.session.responses)
        if unanswered or self.session.flagged:
            reply = self.read(
                T["confirm_submit"](self.lang).format(unanswered=unanswered, flagged=len(self.session.flagged))
            )
            if reply is None or reply.lower() not in YES:
                return
        self.end("submitted")

    def quit(self) -> None:
        reply = self.read(T["confirm_quit"](self.lang))
        if reply is not None and reply.lower() in YES:
            self.say("abandoned")
            self.end("abandoned")

    def answer(self, text: str) -> None:
        item = self.paper.questions[self.position]
        response = _response(item, text)
        if response is None:
            self.say("bad_number" if item.question.kind == "numeric" else "bad_letter")
            return
        self.session.responses[self.position] = response
        self.go(self.position + 1)


def _response(item: ExamQuestion, text: str) -> set[int] | float | None:
    """The answer ``text`` gives to ``item`` (source option indices, or a number), None when it is none."""
    if item.question.kind == "numeric":
        return parse_number(text)
    chosen = parse_letters(text, len(item.order))
    if isinstance(chosen, str) or len(chosen) != 1:
        return None
    return {item.order[position] for position in chosen}


def result_lines(paper: Paper, session: Session) -> list[str]:
    """The end of an exam: the score, the tables per area and per topic, then every question to review."""
    lang = paper.lang
    total = len(paper.questions)
    right = sum(correct(paper, session, position) for position in range(total))
    how = {"time": T["ended_time"], "input": T["ended_input"]}.get(session.ended)
    lines = [
        "",
        T["score"](lang).format(
            right=right,
            total=total,
            percent=round(100 * right / total) if total else 0,
            used=clock_text(session.seconds),
            minutes=paper.minutes,
            how=how(lang) if how else "",
        ),
    ]
    by_topic, by_area = topic_scores(paper, session)
    for heading, rows in ((T["by_area"], by_area), (T["by_topic"], by_topic)):
        lines += ["", heading(lang)]
        width = max(_columns(row.title) for row in rows) if rows else 0
        for row in rows:
            label = f"{row.key:>2}  " if row.key.isdigit() else ""
            title = _shown(row.title)
            padding = " " * (width - _columns(row.title))
            lines.append(f"  {label}{title}{padding}  {row.right:3d}/{row.total:<3d} {row.percent:3d}%")
    review = [position for position in range(total) if not correct(paper, session, position)]
    lines.append("")
    if not review:
        lines.append(T["all_right"](lang))
        return lines
    lines.append(T["review_head"](lang).format(count=len(review)))
    for position in review:
        item = paper.questions[position]
        lines.append(
            f"\n[{position + 1}] {_shown(readable_math(item.question.title))}  "
            f"({T['from_quiz'](lang).format(n=item.quiz.number)}: {_shown(item.quiz.title)})"
        )
        lines.append(
            "  " + T["your_answer"](lang).format(answer=response_text(item, session.responses.get(position), lang))
        )
        lines.append("  " + T["right_answer"](lang).format(answer=right_answer_text(item, lang)))
        lines.append("  " + T["explanation"](lang))
        lines += [f"    {line}" for line in plain_text(item.question.explanation)]
    return lines


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


# --- history ----------------------------------------------------------------------------------------


def history_record(paper: Paper, session: Session, finished: float | None = None) -> dict:
    """What the history keeps of one exam: date, seed, length, time used, how it ended, scores."""
    by_topic, by_area = topic_scores(paper, session)
    right = sum(row.right for row in by_topic)
    moment = datetime.fromtimestamp(time.time() if finished is None else finished).astimezone()
    return {
        "date": moment.isoformat(timespec="seconds"),
        "lang": paper.lang,
        "seed": paper.seed,
        "minutes": paper.minutes,
        "seconds": round(session.seconds, 1),
        "ended": session.ended,
        "score": right,
        "max_score": len(paper.questions),
        "topics": [
            {"quiz": int(row.key), "title": row.title, "right": row.right, "total": row.total} for row in by_topic
        ],
        "areas": {row.key: [row.right, row.total] for row in by_area},
    }


def _valid_record(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    numbers = (record.get("score"), record.get("max_score"), record.get("seed"), record.get("minutes"))
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in numbers):
        return False
    if not (0 <= record["score"] <= record["max_score"] and record["max_score"] > 0):
        return False
    seconds = record.get("seconds")
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not math.isfinite(seconds):
        return False
    topics = record.get("topics")
    return isinstance(record.get("date"), str) and isinstance(topics, list)


@dataclass(frozen=True)
class History:
    """The exams kept, oldest first; ``problem`` says why the file could not be used, when it could not."""

    path: Path
    records: list[dict]
    skipped: int = 0
    problem: str = ""


def read_history(folder: Path) -> History:
    """The exam history kept in ``folder/.grade/exam-history.json`` (no file: no exams)."""
    path = Path(folder) / HISTORY_FILE
    if not path.exists() and not path.is_symlink():
        return History(path, [])
    data = read_state(path)
    if not isinstance(data, dict) or not isinstance(data.get("exams"), list):
        return History(path, [], problem="corrupt")
    records = [record for record in data["exams"] if _valid_record(record)]
    return History(path, records, skipped=len(data["exams"]) - len(records))


def append_history(folder: Path, paper: Paper, session: Session) -> tuple[Path, str]:
    """Add this exam to the history; return the file and, when a corrupt one was set aside, its new name."""
    history = read_history(folder)
    set_aside = ""
    if history.problem:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        aside = history.path.with_name(f"{history.path.name}.corrupt-{stamp}")
        history.path.replace(aside)
        set_aside = str(aside)
    records = [*history.records, history_record(paper, session)][-HISTORY_LIMIT:]
    write_state(history.path, {"version": 1, "exams": records})
    return history.path, set_aside


HISTORY_TEXT = {
    "none": Text(
        "No mock exam taken yet: grade exam starts one.", "模擬試験の記録はまだありません。grade exam で始めます。"
    ),
    "corrupt": Text(
        "{path} is not an exam history (damaged or edited); the next grade exam sets it aside and starts a new one.",
        "{path} は模擬試験の記録として読めません(破損または編集)。次の grade exam で退避し、新しく記録します。",
    ),
    "skipped": Text(
        "{count} damaged {entries} of {path} left out.",
        "{path} の破損した記録 {count} 件を除きました。",
    ),
    "row": Text(
        "{date}  {score:>3}/{total:<3} {percent:3d}%  time {used:>7} of {minutes}:00  seed {seed}{how}",
        "{date}  {score:>3}/{total:<3} {percent:3d}%  所要 {used:>7} / {minutes}:00  シード {seed}{how}",
    ),
    "weakest": Text("      weakest: {topics}", "      弱い分野: {topics}"),
    "head": Text("Mock exams ({count}), oldest first, from {path}:", "模擬試験の記録({count} 回、古い順、{path}):"),
}


def history_lines(history: History, lang: str) -> list[str]:
    """``grade exam --history``: one line per exam, with its weakest topics."""
    if history.problem:
        return [HISTORY_TEXT["corrupt"](lang).format(path=history.path)]
    lines = []
    if history.skipped:
        entries = "entry" if history.skipped == 1 else "entries"
        lines.append(HISTORY_TEXT["skipped"](lang).format(count=history.skipped, entries=entries, path=history.path))
    if not history.records:
        return [*lines, HISTORY_TEXT["none"](lang)]
    lines.append(HISTORY_TEXT["head"](lang).format(count=len(history.records), path=history.path))
    for record in history.records:
        how = {"time": T["ended_time"], "input": T["ended_input"]}.get(str(record.get("ended")))
        lines.append(
            HISTORY_TEXT["row"](lang).format(
                date=_shown(record["date"][:16].replace("T", " ")),
                score=record["score"],
                total=record["max_score"],
                percent=round(100 * record["score"] / record["max_score"]),
                used=clock_text(min(float(record["seconds"]), 1e7)),
                minutes=record["minutes"],
                seed=record["seed"],
                how=how(lang) if how else "",
            )
        )
        weakest = _weakest(record["topics"])
        if weakest:
            lines.append(HISTORY_TEXT["weakest"](lang).format(topics=", ".join(weakest)))
    return lines


def _weakest(topics: list) -> list[str]:
    rows = []
    for topic in topics:
        if not isinstance(topic, dict):
            continue
        right, total, title = topic.get("right"), topic.get("total"), topic.get("title")
        if isinstance(right, int) and isinstance(total, int) and total > 0 and isinstance(title, str):
            rows.append((right / total, _shown(title[:80]), right, total))
    rows.sort(key=lambda row: row[0])
    return [f"{title} {right}/{total}" for share, title, right, total in rows[:3] if share < 1]
