r"""Taking a quiz in the terminal: one question at a time, answers by letter.

Math is shown as Unicode text (``$\frac{\partial L}{\partial W}$`` as ``∂L/∂W``,
see ``grader.quiz.unicode_math``), display math (``$$...$$``) on a line of its
own; the dollars are dropped. Answers may be piped on
standard input, one per line; when the input ends before the last question the
attempt stops cleanly and is reported as incomplete.

What a quiz file says is shown as typed (raw HTML is just text here); the
loader refuses control characters, and every line from the quiz is written
through ``grader.text.untrusted`` as well, so no escape sequence in a quiz can
move the cursor, recolour or retitle the terminal.
"""

from __future__ import annotations

import re
import time
import unicodedata
from typing import TextIO

from grader.errors import MathError
from grader.quiz.bank import Question, Quiz, is_correct, option_order
from grader.quiz.mathml import find_math
from grader.quiz.unicode_math import to_unicode
from grader.text import Text, untrusted

LETTERS = "abcdefghijklmnopqrstuvwxyz"
QUIT_WORDS = {"q", "quit", "exit"}
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_SEPARATORS = re.compile(r"[\s,;、，・/]+")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")

HOW_TO_ANSWER = Text(
    "Answer with the letter of an option; for a select-all question type every letter you choose\n"
    '("a c" or "ac"); for a number, type the number. Type q to stop.',
    "選択肢の記号で答えてください。「すべて選ぶ」問題では選ぶ記号をすべて入力します（「a c」または「ac」）。\n"
    "数値の問題は数値を入力します。やめるときは q を入力します。",
)
PROMPT_SINGLE = Text("Your answer (one letter): ", "答え（記号 1 つ）: ")
PROMPT_MULTIPLE = Text(
    "Select all that apply (every right letter, e.g. a c): ", "当てはまるものをすべて選んでください（例: a c）: "
)
PROMPT_NUMERIC = Text("Your answer (a number): ", "答え（数値）: ")
RIGHT = Text("Right.", "正解です。")
WRONG = Text("Wrong.", "不正解です。")
EXPLANATION = Text("Explanation:", "解説:")


def _letters_hint(count: int) -> str:
    return f"a-{LETTERS[count - 1]}"


def _shown(text: str) -> str:
    r"""Text from a quiz file, with any control character written as an escape (``\x1b``)."""
    return untrusted(text, len(text))


def readable_math(markdown: str) -> str:
    """Every ``$...$`` of ``markdown`` as Unicode text, every ``$$...$$`` on a line of its own, indented."""
    try:
        spans = find_math(markdown)
    except MathError:
        return markdown  # the loader refuses such a text; shown as typed rather than half converted
    parts: list[str] = []
    position = 0
    for span in spans:
        before = markdown[position : span.start]
        text = to_unicode(span.tex)
        if span.display:
            before = before.rstrip(" \t")
            if before and not before.endswith("\n"):
                before += "\n"
            text = "    " + text
            following = markdown[span.end : span.end + 1]
            if following and following != "\n":
                text += "\n"
        parts.extend((before, text))
        position = span.end
    parts.append(markdown[position:])
    return "".join(parts)


def plain_text(markdown: str) -> list[str]:
    """Quiz Markdown as terminal lines: code fences dropped and their contents indented, math as Unicode."""
    lines = []
    fenced = False
    for line in readable_math(markdown).splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        lines.append(_shown(("    " + line) if fenced else line))
    return lines


def parse_letters(text: str, count: int) -> set[int] | str:
    """Displayed positions chosen by letters (``"a c"``, ``"ac"``, ``"A, C"``), or a complaint."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).lower())
    if not cleaned:
        return "empty"
    positions = set()
    for character in cleaned:
        position = LETTERS.find(character)
        if position < 0 or position >= count:
            return character
        positions.add(position)
    return positions


def parse_number(text: str) -> float | None:
    """A number typed by a learner: ``0.25``, ``-0.3``, ``1e-3``, ``78,400``, ``1/1024``, full-width digits."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-").replace(" ", "")
    if _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    numerator, slash, denominator = cleaned.partition("/")
    try:
        value = float(numerator)
        if slash:
            value /= float(denominator)
    except (ValueError, ZeroDivisionError):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


def format_number(value: float) -> str:
    """``0.881`` rather than ``0.88100000001``, ``78400`` rather than ``78400.0``."""
    return f"{value:.10g}"


def _answer_text(question: Question, order: list[int], lang: str) -> str:
    if question.kind == "numeric":
        value = format_number(question.answer if question.answer is not None else float("nan"))
        if question.tolerance:
            value += f" ± {format_number(question.tolerance)}"
        return Text("The answer is {value}.", "答えは {value} です。").format(value=value)(lang)
    letters = [LETTERS[position] for position, index in enumerate(order) if question.options[index].correct]
    if len(letters) == 1:
        return Text("The answer is {letter}.", "答えは {letter} です。").format(letter=letters[0])(lang)
    return Text("The answers are {letters}.", "答えは {letters} です。").format(letters=", ".join(letters))(lang)


def _ask(question: Question, order: list[int], lang: str, input: TextIO, output: TextIO) -> set[int] | float | None:
    """Read answers until one is well-formed; None when the input ends or the learner quits."""
    if question.kind == "numeric":
        prompt = PROMPT_NUMERIC(lang)
    elif question.kind == "multiple":
        prompt = PROMPT_MULTIPLE(lang)
    else:
        prompt = PROMPT_SINGLE(lang)
    echo = not (hasattr(input, "isatty") and input.isatty())
    while True:
        output.write(prompt)
        output.flush()
        line = input.readline()
        if not line:
            output.write("\n")
            return None
        if echo:  # piped answers: show them, so the transcript reads like a session
            output.write(line if line.endswith("\n") else line + "\n")
        text = line.strip()
        if text.lower() in QUIT_WORDS:
            return None
        if question.kind == "numeric":
            value = parse_number(text)
            if value is not None:
                return value
            output.write(
                Text("Type a number, e.g. 0.25 or 7 (q stops).", "数値を入力してください（例: 0.25、7。q で終了）。")(
                    lang
                )
            )
            output.write("\n")
            continue
        chosen = parse_letters(text, len(order))
        if isinstance(chosen, str):
            hint = _letters_hint(len(order))
            if chosen == "empty":
                message = Text(
                    "Type a letter ({hint}), or q to stop.", "記号（{hint}）を入力してください。q で終了します。"
                )
                message = message.format(hint=hint)
            else:
                message = Text(
                    "There is no option '{letter}': type a letter ({hint}).",
                    "選択肢「{letter}」はありません。記号（{hint}）を入力してください。",
                ).format(letter=chosen, hint=hint)
            output.write(message(lang) + "\n")
            continue
        if question.kind == "single" and len(chosen) > 1:
            output.write(
                Text(
                    "This question has one right answer: type one letter.",
                    "この問題の正解は 1 つです。記号を 1 つだけ入力してください。",
                )(lang)
                + "\n"
            )
            continue
        return {order[position] for position in chosen}


def ask_question(
    question: Question, order: list[int], lang: str, *, input: TextIO, output: TextIO, label: str
) -> dict | None:
    """Show one question (options in ``order``), read the answer, say right or wrong and explain.

    Returns the answer (``id``, ``chosen``, ``correct``, ``seconds``, as
    ``run_quiz``), or None when the input ended or the learner typed q.
    ``label`` goes before the title (``[2/5]``).
    """
    output.write(f"\n{label} {_shown(readable_math(question.title))}\n")
    for line in plain_text(question.body):
        output.write(line + "\n")
    output.write("\n")
    for shown, index in enumerate(order):
        text_lines = plain_text(question.options[index].text) or [""]
        output.write(f"  {LETTERS[shown]}) {text_lines[0]}\n")
        for more in text_lines[1:]:
            output.write(f"     {more}\n")
    started = time.monotonic()
    response = _ask(question, order, lang, input, output)
    if response is None:
        return None
    seconds = time.monotonic() - started
    correct = is_correct(question, response)
    verdict = RIGHT(lang) if correct else f"{WRONG(lang)} {_answer_text(question, order, lang)}"
    output.write(verdict + "\n")
    output.write(EXPLANATION(lang) + "\n")
    for line in plain_text(question.explanation):
        output.write(f"  {line}\n")
    chosen = response if isinstance(response, float) else sorted(response)
    return {"id": question.id, "chosen": chosen, "correct": correct, "seconds": seconds}


def run_quiz(
    quiz: Quiz,
    *,
    input: TextIO,
    output: TextIO,
    seed: int | None = None,
    only_ids: list[str] | None = None,
) -> list[dict]:
    """Ask the questions of ``quiz`` one at a time and return the answers given.

    Parameters
    ----------
    quiz : Quiz
        The quiz; its language is the language of every message.
    input, output : text streams
        Where answers come from (one per line) and where questions go.
    seed : int, optional
        Fixes the option order (see ``grader.quiz.bank.option_order``).
    only_ids : list of str, optional
        Ask only these questions (in quiz order), as ``--review`` does.

    Returns
    -------
    list of dict
        One per question answered: ``id``, ``chosen`` (sorted source option
        indices, or the number typed), ``correct``, ``seconds``. Shorter than
        the questions asked when the input ended or the learner typed q.
    """
    lang = quiz.lang
    questions = [question for question in quiz.questions if only_ids is None or question.id in only_ids]
    heading = Text("Quiz {number}: {title}", "確認テスト {number}: {title}").format(
        number=quiz.number, title=_shown(quiz.title)
    )
    output.write(heading(lang) + "\n")
    if only_ids is not None:
        output.write(
            Text(
                "Review: the {count} question(s) you got wrong last time.",
                "復習: 前回まちがえた {count} 問です。",
            ).format(count=len(questions))(lang)
            + "\n"
        )
    output.write(HOW_TO_ANSWER(lang) + "\n")
    answers: list[dict] = []
    for position, question in enumerate(questions, start=1):
        order = option_order(question, seed, quiz.shuffle)
        answer = ask_question(question, order, lang, input=input, output=output, label=f"[{position}/{len(questions)}]")
        if answer is None:
            break
        answers.append(answer)

    output.write("\n")
    if len(answers) < len(questions):
        output.write(
            Text(
                "Stopped after {done} of {total} questions; this attempt is not saved.",
                "{total} 問中 {done} 問で終了しました。この回答は保存されません。",
            ).format(done=len(answers), total=len(questions))(lang)
            + "\n"
        )
        output.flush()
        return answers
    score = sum(answer["correct"] for answer in answers)
    percent = round(100 * score / len(answers)) if answers else 0
    output.write(
        Text("Score: {score}/{total} ({percent}%)", "得点: {score}/{total}（{percent}%）").format(
            score=score, total=len(answers), percent=percent
        )(lang)
        + "\n"
    )
    wrong = [question for question, answer in zip(questions, answers, strict=True) if not answer["correct"]]
    if wrong:
        output.write(Text("To review:", "復習する問題:")(lang) + "\n")
        for question in wrong:
            output.write(f"  - {_shown(readable_math(question.title))}\n")
    output.flush()
    return answers
