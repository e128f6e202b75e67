"""The mock exam as one self-contained HTML page (``grade exam --html OUT``).

Built like a quiz page (``grader.quiz.page``): question text rendered the same
way (Markdown, math as MathML, the embedded math font), the same strict
Content-Security-Policy (the page's own style and script allowed by hash, no
network). The page shows one question at a time with a countdown, a
navigator of every question (answered, flagged, current), Previous / Flag /
Next and Submit (which asks again while questions are unanswered or flagged);
when the time is up it submits itself. Then it shows the score, the tables per
area and per topic, and every question with the right answer and the
explanation.

An exam in progress survives a reload of the page: its start time, answers
and flags are kept in the browser's ``localStorage`` under a key of the paper
(language, seed, length, minutes) until it is submitted.

Answers: the answer keys are in the page's data (a ``<script
type="application/json">``) and the explanations in hidden elements, since the
page scores itself offline; it is a self-study tool, not a proctored exam. No
answer is visible text before Submit.
"""

from __future__ import annotations

from grader.quiz.bank import AREAS
from grader.quiz.exam import Paper
from grader.quiz.page import (
    LETTERS,
    asset,
    block_html,
    content_security_policy,
    font_face,
    inline_html,
    number_text,
    plain_title,
    script_json,
    template_environment,
)
from grader.text import Text

UI = {
    "title": Text("Mock exam", "模擬試験"),
    "intro": Text(
        "{count} questions, {minutes} minutes (seed {seed}). One question at a time: answer with the mouse or the "
        "keyboard (arrow keys choose an option, or type a-d; n next, p previous, f flag). The navigator shows "
        "every question: answered, flagged, not answered. When the time is up, the exam is submitted as it is.",
        "全 {count} 問、{minutes} 分(シード {seed})。1 問ずつ表示します。マウスでもキーボードでも答えられます"
        "(矢印キーまたは a-d で選択、n 次へ、p 前へ、f 見直しマーク)。一覧で回答済み・見直し・未回答が分かります。"
        "時間切れになると、その時点の答えで提出されます。",
    ),
    "data_note": Text(
        "A self-study page: the answer keys are inside the page's data, so it can score itself offline.",
        "自習用のページです。オフラインで採点できるよう、正解はページのデータに含まれています。",
    ),
    "remaining": Text("Time left", "残り時間"),
    "navigator": Text("Questions", "問題一覧"),
    "legend": Text("answered · ⚑ flagged · outlined: current", "回答済み · ⚑ 見直し · 枠: 表示中"),
    "question_number": Text("Question {number} of {total}", "第 {number} 問(全 {total} 問)"),
    "topic": Text("Topic: quiz {number}, {title}", "トピック: 確認テスト {number}「{title}」"),
    "single_hint": Text("Choose one answer.", "答えを 1 つ選んでください。"),
    "numeric_label": Text("Your answer (a number)", "答え(数値)"),
    "previous": Text("← Previous", "← 前へ"),
    "next": Text("Next →", "次へ →"),
    "flag": Text("⚑ Flag for review", "⚑ 見直しマーク"),
    "submit": Text("Submit", "提出"),
    "explanation": Text("Explanation", "解説"),
    "noscript": Text(
        "The exam needs JavaScript (the countdown and the scoring).",
        "模擬試験には JavaScript が必要です(残り時間と採点)。",
    ),
}

SCRIPT_TEXT = {
    "correct": Text("✓ Correct", "✓ 正解"),
    "wrong": Text("✗ Incorrect", "✗ 不正解"),
    "unanswered": Text("✗ Not answered", "✗ 未回答"),
    "right_answer": Text("Right answer: {answer}", "正解: {answer}"),
    "your_answer": Text("Your answer: {answer}", "あなたの答え: {answer}"),
    "confirm": Text(
        "{unanswered} unanswered and {flagged} flagged. Press Submit again to hand in the exam.",
        "未回答 {unanswered} 問、見直し {flagged} 問があります。もう一度「提出」を押すと提出します。",
    ),
    "time_up": Text("Time is up: the exam was submitted.", "時間切れです。提出しました。"),
    "score": Text(
        "Score: {score} / {total} ({percent}%), time used {used} of {minutes}:00",
        "得点: {score} / {total}({percent}%)、所要時間 {used} / {minutes}:00",
    ),
    "by_area": Text("By syllabus area (E資格)", "シラバスの分野別(E資格)"),
    "by_topic": Text("By topic (quiz)", "トピック別(確認テスト)"),
    "column_name": Text("Area or topic", "分野・トピック"),
    "column_right": Text("Right", "正解"),
    "column_percent": Text("%", "%"),
    "flagged": Text("flagged", "見直し"),
    "answered": Text("answered", "回答済み"),
    "not_answered": Text("not answered", "未回答"),
    "question_short": Text("Question {number}", "第 {number} 問"),
}


def render_exam_page(paper: Paper) -> str:
    """One self-contained HTML page for ``paper`` (its language sets the page's text).

    Raises
    ------
    grader.errors.MathError
        When a formula does not convert; nothing is rendered then.
    """
    lang = paper.lang
    total = len(paper.questions)
    ui = {key: text(lang) for key, text in UI.items()}
    questions = []
    data_questions = []
    topics: dict[str, dict[str, str]] = {}
    for position, item in enumerate(paper.questions, start=1):
        question = item.question
        options = [
            {"index": index, "letter": LETTERS[shown], "html": inline_html(question.options[index].text)}
            for shown, index in enumerate(item.order)
        ]
        questions.append(
            {
                "dom_id": f"q{position}",
                "position": position,
                "kind": question.kind,
                "heading": ui["question_number"].format(number=position, total=total),
                "topic": ui["topic"].format(number=item.quiz.number, title=plain_title(item.quiz.title)),
                "title": inline_html(question.title),
                "body": block_html(question.body),
                "explanation": block_html(question.explanation),
                "options": options,
            }
        )
        entry: dict[str, object] = {"id": question.id, "kind": question.kind, "topic": str(item.quiz.number)}
        if question.kind == "numeric":
            entry.update(
                answer=question.answer,
                tolerance=question.tolerance,
                answerText=number_text(question.answer, question.tolerance),
            )
        else:
            entry["correct"] = sorted(question.correct_indices)
        data_questions.append(entry)
        topics[str(item.quiz.number)] = {"title": plain_title(item.quiz.title), "area": item.quiz.area}
    data = {
        "lang": lang,
        "minutes": paper.minutes,
        "seed": paper.seed,
        "questions": data_questions,
        "topics": topics,
        "areas": [[key, title(lang)] for key, title in AREAS.items()],
        "text": {key: text(lang) for key, text in SCRIPT_TEXT.items()},
    }
    style = f"\n{font_face()}\n{asset('quiz.css')}\n{asset('exam.css')}\n"
    script = f"\n{asset('exam.js')}\n"
    return (
        template_environment()
        .get_template("exam.html")
        .render(
            lang=lang,
            ui=ui,
            paper=paper,
            questions=questions,
            total=total,
            countdown=f"{paper.minutes}:00",
            data_json=script_json(data),
            style=style,
            script=script,
            csp=content_security_policy(style=style, script=script, font=True),
        )
    )
