"""Quiz pages: one self-contained HTML page per quiz and language, and a small site with an index.

A page needs nothing from the network. Its styles, its script and a math font
(a subset of STIX Math, SIL Open Font License, renamed "DLGrade Math" as the
licence asks of modified versions) are embedded. Math is converted to MathML
Core when the page is built, so the browser draws it natively and no TeX
command reaches the reader. Markdown is rendered with the ``markdown`` package
the way ``grader.quiz.bank.markdown_to_html`` allows: raw HTML from a quiz file is
shown as typed, links keep only safe targets, images are not shown.

Content-Security-Policy
-----------------------
Every page carries a strict policy in a ``<meta http-equiv>``: ``default-src
'none'``, the page's own ``<style>`` and ``<script>`` allowed by their SHA-256
hashes, ``font-src data:`` for the embedded font, and no base URL or form
target. Should anything from a quiz file ever slip past the escaping, the
browser still runs no script and loads nothing.

Option order
------------
The order a page is built with is ``grader.quiz.bank.option_order(question, seed,
quiz.shuffle)``, so ``--seed S`` gives the same order in the browser as in the
terminal. Every new attempt ("Try again") is shuffled again in the page by a
small seeded generator (mulberry32): with a seed, attempt ``n`` of a page is
the same on every load; without one, each load and each attempt draws a fresh
order. A quiz with ``shuffle = false`` is never reordered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from grader.quiz.bank import AREAS, Question, Quiz, load_bank, markdown_to_html, option_order
from grader.quiz.mathml import code_ranges, find_math, to_mathml
from grader.text import Text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
FONT_FILE = TEMPLATES / "quiz-math.woff2"
FONT_FAMILY = "DLGrade Math"
LETTERS = "abcdefghijklmnopqrstuvwxyz"

_ESCAPED_DOLLAR = re.compile(r"\\\$")
_TOKEN = "qzmath{}qzmath"
_TOKEN_PATTERN = re.compile(r"qzmath(\d+)qzmath")
_BLOCK_TOKEN_PATTERN = re.compile(r"<p>\s*qzmath(\d+)qzmath\s*</p>")
# A line break in a paragraph shows as a space; Japanese puts none after its own characters.
_BREAK_AFTER_CJK = re.compile(r"(?<=[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60])\n")
_PRE = re.compile(r"(<pre>.*?</pre>)", re.S)

UI = {
    "question_number": Text("Question {number} of {total}", "第 {number} 問（全 {total} 問）"),
    "single_hint": Text("Choose one answer.", "答えを1つ選んでください。"),
    "multiple_hint": Text("Choose every correct answer.", "正しいものをすべて選んでください。"),
    "numeric_label": Text("Your answer (a number)", "答え（数値）"),
    "check": Text("Check answers", "答え合わせ"),
    "again": Text("Try again", "もう一度解く"),
    "explanation": Text("Explanation", "解説"),
    "intro": Text(
        "{count} questions. Answer with the mouse or the keyboard (Tab moves between questions, the arrow keys "
        "choose an option, Space ticks a box), then check your answers to see the score, the right answers and "
        "the explanations.",
        "全 {count} 問。マウスでもキーボードでも答えられます（Tab で次の問題へ、矢印キーで選択肢を選び、"
        "Space でチェックを入れます）。答え合わせをすると、得点・正解・解説が表示されます。",
    ),
    "topics": Text("Topics", "トピック"),
    "exercises": Text("Exercises", "課題"),
    "noscript": Text(
        "Checking answers needs JavaScript. The questions can still be read.",
        "答え合わせには JavaScript が必要です。問題は読むことができます。",
    ),
    "all_quizzes": Text("All quizzes", "確認テスト一覧"),
    "other_language": Text("日本語", "English"),
    "quiz_label": Text("Quiz {number}", "確認テスト {number}"),
}

# Strings the script fills in; {n}-style placeholders are replaced in the page.
SCRIPT_TEXT = {
    "correct": Text("✓ Correct", "✓ 正解"),
    "wrong": Text("✗ Incorrect", "✗ 不正解"),
    "unanswered": Text("✗ Not answered", "✗ 未回答"),
    "right_answer": Text("Right answer: {answer}", "正解: {answer}"),
    "right_answers": Text("Right answers: {answer}", "正解: {answer}"),
    "your_answer": Text("Your answer: {answer}", "あなたの答え: {answer}"),
    "mark_right": Text("✓ right answer", "✓ 正解"),
    "mark_wrong": Text("✗ your choice, wrong", "✗ あなたの選択（誤り）"),
    "mark_missed": Text("✓ right answer, not chosen", "✓ 正解（未選択）"),
    "score": Text("Score: {score} / {total} ({percent}%)", "得点: {score} / {total}（{percent}%）"),
    "review": Text("Questions to review: {list}", "見直す問題: {list}"),
    "all_right": Text("Every answer is right.", "全問正解です。"),
    "question_short": Text("Question {number}", "第 {number} 問"),
    "new_attempt": Text(
        "Attempt {attempt}: answers cleared, options in a new order.",
        "{attempt} 回目: 答えを消去し、選択肢を並べ替えました。",
    ),
    "new_attempt_fixed": Text("Attempt {attempt}: answers cleared.", "{attempt} 回目: 答えを消去しました。"),
    "list_separator": Text(", ", "、"),
}

INDEX_UI = {
    "title": Text("Confirmation tests", "確認テスト"),
    "intro": Text(
        "One quiz per topic of the course, in English and Japanese. Each page works offline.",
        "コースのトピックごとの確認テストです（英語・日本語）。どのページもオフラインで使えます。",
    ),
    "number": Text("No.", "番号"),
    "questions": Text("Questions", "問題数"),
    "topics": Text("Topics", "トピック"),
    "area": Text("Syllabus area", "シラバスの分野"),
    "coverage": Text("Coverage of the E資格 syllabus", "E資格シラバスの分野別の範囲"),
    "quizzes": Text("Quizzes", "確認テスト"),
}


def render_quiz_page(quiz: Quiz, *, seed: int | None = None) -> str:
    """One self-contained HTML page for ``quiz``.

    Parameters
    ----------
    quiz : Quiz
        A loaded quiz (``grader.quiz.bank.load_quiz``); its language sets the page's
        ``lang`` and the interface text.
    seed : int or None
        Seed of the option order of the first attempt and of every later one;
        None draws a fresh order on every load.

    Returns
    -------
    str
        The page: HTML5 with its CSS, script and math font embedded.

    Raises
    ------
    grader.quiz.mathml.MathError
        When a formula does not convert; nothing is rendered then.
    """
    return _render_page(quiz, seed=seed, links=None)


def write_site(out_dir: Path, quizzes: list[Quiz] | None = None, *, seed: int | None = None) -> list[Path]:
    """Write ``index.html`` and one page per quiz and language under ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Folder of the site, created when missing. Pages go to
        ``out_dir/<lang>/<NN-topic>.html``.
    quizzes : list of Quiz or None
        The quizzes to publish; None loads the whole bank
        (``grader.quiz.bank.load_bank``) and leaves out the quizzes it could not
        load. A caller that reports those errors loads the bank itself and
        passes the quizzes.
    seed : int or None
        Passed to every page (see ``render_quiz_page``).

    Returns
    -------
    list of Path
        The files written, ``index.html`` first.
    """
    if quizzes is None:
        bank, _errors = load_bank()
        quizzes = list(bank.values())
    quizzes = sorted(quizzes, key=lambda quiz: (quiz.number, quiz.lang))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_key = {(quiz.number, quiz.lang): quiz for quiz in quizzes}
    pages: list[Path] = []
    for quiz in quizzes:
        other_lang = "en" if quiz.lang == "ja" else "ja"
        other = by_key.get((quiz.number, other_lang))
        links = {
            "index": "../index.html",
            "other": f"../{other.lang}/{_page_name(other)}" if other else None,
            "other_lang": other_lang,
        }
        target = out_dir / quiz.lang / _page_name(quiz)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_render_page(quiz, seed=seed, links=links), encoding="utf-8")
        pages.append(target)
    index = out_dir / "index.html"
    index.write_text(render_index(quizzes), encoding="utf-8")
    return [index, *pages]


def render_index(quizzes: Iterable[Quiz]) -> str:
    """The site's index page: every quiz, with links to both languages.

    Parameters
    ----------
    quizzes : iterable of Quiz
        Quizzes of either language; a number missing in one language gets no
        link in that column.

    Returns
    -------
    str
        A self-contained HTML page (``lang="en"``; Japanese titles are marked
        ``lang="ja"``).
    """
    rows: dict[int, dict[str, Any]] = {}
    for quiz in sorted(quizzes, key=lambda quiz: (quiz.number, quiz.lang)):
        row = rows.setdefault(
            quiz.number, {"number": quiz.number, "en": None, "ja": None, "count": 0, "topics": (), "area": ""}
        )
        row[quiz.lang] = {"href": f"{quiz.lang}/{_page_name(quiz)}", "title": quiz.title}
        row["count"] = len(quiz.questions)
        row["topics"] = quiz.topics
        row["area"] = quiz.area or row["area"]
    areas = [
        {
            "en": title("en"),
            "ja": title("ja"),
            "numbers": [row["number"] for row in rows.values() if row["area"] == key],
            "count": sum(row["count"] for row in rows.values() if row["area"] == key),
        }
        for key, title in AREAS.items()
    ]
    for row in rows.values():
        row["area_title"] = AREAS[row["area"]] if row["area"] in AREAS else None
    template = _environment().get_template("quiz_index.html")
    style = f"\n{asset('quiz.css')}\n"
    return template.render(
        rows=list(rows.values()),
        areas=areas,
        ui=INDEX_UI,
        style=style,
        csp=content_security_policy(style=style),
    )


def _render_page(quiz: Quiz, *, seed: int | None, links: dict[str, str | None] | None) -> str:
    lang = quiz.lang
    total = len(quiz.questions)
    questions = [
        _question_context(quiz, question, position, total, seed) for position, question in enumerate(quiz.questions, 1)
    ]
    data = {
        "seed": seed,
        "shuffle": quiz.shuffle,
        "questions": [_question_data(question) for question in quiz.questions],
        "text": {key: text(lang) for key, text in SCRIPT_TEXT.items()},
    }
    template = _environment().get_template("quiz.html")
    # the exact text of each element: the policy allows it by its hash
    style = f"\n{font_face()}\n{asset('quiz.css')}\n"
    script = f"\n{asset('quiz.js')}\n"
    return template.render(
        quiz=quiz,
        lang=lang,
        questions=questions,
        ui={key: text(lang) for key, text in UI.items()},
        title=inline_html(quiz.title),
        title_text=plain_title(quiz.title),
        data_json=script_json(data),
        style=style,
        script=script,
        csp=content_security_policy(style=style, script=script, font=True),
        links=links,
    )


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(*, style: str, script: str | None = None, font: bool = False) -> str:
    """The policy of a page whose only style and script are the inline ``style`` and ``script``.

    Nothing else is allowed: no other script or style (inline attributes
    included), no image, frame, connection or plugin, no ``<base>``, no form
    target; ``font=True`` allows the ``data:`` font embedded in the style.
    """
    directives = ["default-src 'none'", f"style-src {_sha256_source(style)}"]
    if script is not None:
        directives.append(f"script-src {_sha256_source(script)}")
    if font:
        directives.append("font-src data:")
    directives += ["base-uri 'none'", "form-action 'none'"]
    return "; ".join(directives)


def _question_context(quiz: Quiz, question: Question, position: int, total: int, seed: int | None) -> dict:
    dom_id = f"q-{question.id}"
    options: list[dict[str, object]] = []
    context = {
        "id": question.id,
        "dom_id": dom_id,
        "position": position,
        "heading": UI["question_number"](quiz.lang).format(number=position, total=total),
        "title": inline_html(question.title),
        "body": block_html(question.body),
        "kind": question.kind,
        "explanation": block_html(question.explanation),
        "options": options,
    }
    if question.kind == "numeric":
        return context
    order = option_order(question, seed, quiz.shuffle)
    for shown, index in enumerate(order):
        option = question.options[index]
        options.append({"index": index, "letter": LETTERS[shown], "html": inline_html(option.text)})
    return context


def _question_data(question: Question) -> dict:
    entry: dict[str, object] = {"id": question.id, "kind": question.kind}
    if question.kind == "numeric":
        entry["answer"] = question.answer
        entry["tolerance"] = question.tolerance
        entry["answerText"] = number_text(question.answer, question.tolerance)
    else:
        entry["correct"] = [index for index, option in enumerate(question.options) if option.correct]
    return entry


def number_text(answer: float | None, tolerance: float) -> str:
    """A numeric answer as the page shows it, with its tolerance."""
    text = f"{answer:.12g}"
    if tolerance:
        text += f" ± {tolerance:.12g}"
    return text


def _with_math(text: str, display_allowed: bool) -> tuple[str, list[str]]:
    r"""Replace each formula by a token Markdown leaves alone; return the text and the MathML per token.

    Formulas are found by ``grader.quiz.mathml.find_math``, the loader's own rule
    (no math inside code, ``\$`` is a dollar sign).
    """
    formulas: list[str] = []
    pieces: list[str] = []
    position = 0
    for span in find_math(text):
        pieces.append(_literal_dollars(text[position : span.start]))
        formulas.append(to_mathml(span.tex, display=span.display and display_allowed))
        pieces.append(_TOKEN.format(len(formulas) - 1))
        position = span.end
    pieces.append(_literal_dollars(text[position:]))
    return "".join(pieces), formulas


def _literal_dollars(text: str) -> str:
    # Markdown does not unescape \$; code spans keep their backslash.
    pieces, cursor = [], 0
    for start, end in code_ranges(text):
        if start >= cursor:
            pieces += [_ESCAPED_DOLLAR.sub("&#36;", text[cursor:start]), text[start:end]]
            cursor = end
        elif end > cursor:
            pieces.append(text[cursor:end])
            cursor = end
    pieces.append(_ESCAPED_DOLLAR.sub("&#36;", text[cursor:]))
    return "".join(pieces)


def block_html(text: str) -> str:
    """Markdown with math to HTML (paragraphs, lists, code)."""
    source, formulas = _with_math(text, display_allowed=True)
    rendered = _markdown(source)
    rendered = _BLOCK_TOKEN_PATTERN.sub(
        lambda match: f'<div class="math-display">{formulas[int(match.group(1))]}</div>', rendered
    )
    return _TOKEN_PATTERN.sub(lambda match: formulas[int(match.group(1))], rendered)


def inline_html(text: str) -> str:
    """Markdown with math to HTML without the surrounding paragraph (titles, options)."""
    source, formulas = _with_math(text, display_allowed=False)
    rendered = _markdown(source)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return _TOKEN_PATTERN.sub(lambda match: formulas[int(match.group(1))], rendered)


def plain_title(text: str) -> str:
    """A title for <title>: no markup, math kept as its source."""
    return re.sub(r"[`$]", "", text)


def _markdown(text: str) -> str:
    rendered = markdown_to_html(text, extensions=("fenced_code", "tables", "sane_lists"), output_format="html")
    pieces = _PRE.split(rendered)
    return "".join(piece if index % 2 else _BREAK_AFTER_CJK.sub("", piece) for index, piece in enumerate(pieces))


def script_json(data: object) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element."""
    # "</" would end the <script> element early; "\u003c" is the same string to JSON.
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _page_name(quiz: Quiz) -> str:
    return f"{quiz.slug}.html"


def template_environment() -> jinja2.Environment:
    """A new jinja2 environment over grader/templates, as every page of the grader uses it."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _environment() -> jinja2.Environment:
    return template_environment()


@cache
def asset(name: str) -> str:
    """The text of the template file ``name`` (read once)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


@cache
def font_face() -> str:
    """The ``@font-face`` rule that inlines the quiz math font."""
    data = base64.b64encode(FONT_FILE.read_bytes()).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: 400; '
        f'src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
    )
