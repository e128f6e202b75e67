"""Per-learner feedback files: ``grade report --feedback DIR`` writes NAME.html and NAME.md for every learner.

Each file is what an instructor hands back or uploads: the learner's score per
exercise and quiz (points after the late penalty, the late mark, whether it
counts and its weight), the weighted total, every failed check with its
message and hint, the checks not attempted, and the problems with the folder.
The HTML file is self-contained (inline styles, no scripts, no network) and
escapes everything; the Markdown file escapes learner text and puts messages in
code blocks, so neither can inject markup.  One language per run (``--lang``).

File names come from learner names, which learners choose (folder names):
``feedback_stem`` keeps letters, digits, ``-`` and ``_`` (any script), replaces
the rest, cuts to ``STEM_LIMIT`` characters, avoids Windows' reserved names
(``CON``, ``NUL``, ``COM1``...) and makes names that collide after that, or
differ only in case, unique with ``-2``, ``-3``...  Every file is written
inside DIR and nowhere else.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from grader.errors import GraderError
from grader.grading.results import Status
from grader.text import Text

if TYPE_CHECKING:
    from grader.classroom.report import ClassReport, LearnerRow

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STEM_LIMIT = 80
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789¹²³"
}

UI: dict[str, Text] = {
    "title": Text("Feedback: {name}", "フィードバック: {name}"),
    "lms": Text("LMS id {lms_id}", "LMS ID {lms_id}"),
    "section": Text("section {section}", "セクション {section}"),
    "total": Text("Weighted total", "合計(重み付き)"),
    "total_note": Text(
        "over the exercises and quizzes that count so far, by their weights",
        "現時点で合計に数える課題と確認テストについて、重みをつけて計算しています",
    ),
    "no_total": Text("no total: nothing counts yet", "合計なし: まだ数える項目がありません"),
    "scores": Text("Scores", "得点"),
    "item": Text("Exercise or quiz", "課題・確認テスト"),
    "score": Text("Score", "得点"),
    "late": Text("Late", "提出期限"),
    "counts": Text("Counts", "合計に算入"),
    "yes_weight": Text("yes, weight {weight}", "はい(重み {weight})"),
    "no": Text("not counted", "合計に数えない"),
    "penalised": Text("{final} / {most} ({raw} before the late penalty)", "{final} / {most}(減点前 {raw})"),
    "not_submitted": Text("not submitted", "未提出"),
    "policy": Text("Late policy: {policy}.", "提出遅れの扱い: {policy}。"),
    "unknown_note": Text(
        "time unknown: the time of the file was not recorded (an older grading), so it is not counted as late.",
        "提出時刻不明: ファイルの時刻が記録されていない(以前の採点)ため、遅れとは扱っていません。",
    ),
    "failed": Text("Failed checks", "不合格のチェック"),
    "none_failed": Text("No check failed.", "不合格のチェックはありません。"),
    "hint": Text("hint", "ヒント"),
    "not_attempted": Text("Not attempted yet", "未着手"),
    "problems": Text("Problems with your folder", "提出フォルダの問題"),
    "rerun": Text("re-run: grade exercise {number}", "再実行: grade exercise {number}"),
}


def _reserved(stem: str) -> bool:
    first = unicodedata.normalize("NFKC", stem).split(".")[0].upper()
    return first in _RESERVED or first.rstrip("_") in _RESERVED


def feedback_stem(name: str) -> str:
    """A file name (without suffix) safe on Linux, macOS and Windows for a learner name; never empty.

    ``../x`` -> ``x``, ``a/b`` -> ``a_b``, ``CON`` -> ``learner_CON``, ``.`` -> ``learner``;
    control characters and every other punctuation become ``_``.
    """
    text = unicodedata.normalize("NFC", name)
    kept = "".join(char if char.isalnum() or char in "-_" else "_" for char in text)
    kept = re.sub(r"_{2,}", "_", kept).strip("_-")[:STEM_LIMIT].strip("_-")
    if not kept:
        return "learner"
    if _reserved(kept):
        return f"learner_{kept}"[:STEM_LIMIT]
    return kept


def feedback_stems(names: Iterable[str]) -> dict[str, str]:
    """``feedback_stem`` for every name, made unique (case-insensitively) with ``-2``, ``-3``... in order."""
    taken: set[str] = set()
    stems: dict[str, str] = {}
    for name in names:
        base = feedback_stem(name)
        stem, count = base, 1
        while unicodedata.normalize("NFKC", stem).casefold() in taken:
            count += 1
            stem = f"{base[: STEM_LIMIT - len(str(count)) - 1]}-{count}"
        taken.add(unicodedata.normalize("NFKC", stem).casefold())
        stems[name] = stem
    return stems


# --- the model of one file ----------------------------------------------------------------------


def _points(value: float) -> str:
    return f"{value:.4g}"


def _learner_model(report: ClassReport, learner: LearnerRow, lang: str) -> dict:
    """What one feedback file shows, as plain text in ``lang`` (escaped by whoever renders it)."""
    person = report.people.get(learner.name)
    who = []
    if person is not None and person.full_name:
        who.append(person.full_name)
    if person is not None and person.lms_id:
        who.append(UI["lms"].format(lms_id=person.lms_id)(lang))
    if person is not None and person.section:
        who.append(UI["section"].format(section=person.section)(lang))
    rows = []
    unknown = False
    for column in report.columns:
        grade = learner.grades.items.get(column.key)
        if grade is None:
            continue
        if grade.score is None:
            score = UI["not_submitted"](lang)
        elif grade.lateness.penalty:
            score = UI["penalised"].format(
                final=_points(grade.final_points or 0.0), most=_points(column.max_score), raw=_points(grade.score)
            )(lang)
        else:
            score = f"{_points(grade.score)} / {_points(column.max_score)}"
        unknown = unknown or grade.lateness.state == "unknown"
        rows.append(
            {
                "item": column.item.label(lang),
                "score": score,
                "late": grade.lateness.text()(lang) if grade.score is not None else "",
                "is_late": grade.lateness.late,
                "counts": UI["yes_weight"].format(weight=f"{column.item.weight:g}")(lang)
                if column.counted
                else UI["no"](lang),
            }
        )
    exercises = []
    for number, submission in sorted(learner.submissions.items()):
        failed = [
            {
                "name": check.title(lang),
                "points": f"{_points(check.score)}/{_points(check.max_score)}",
                "message": check.message(lang),
                # the stored message ends with the hint already; say it once
                "hint": "" if (check.hint(lang) or "") in check.message(lang) else (check.hint(lang) or ""),
            }
            for check in submission.checks
            if check.status == Status.FAILED
        ]
        todo = [check.title(lang) for check in submission.checks if check.status == Status.NOT_ATTEMPTED]
        if failed or todo:
            exercises.append(
                {
                    "title": f"{Text('Exercise', '課題')(lang)} {number}",
                    "failed": failed,
                    "todo": todo,
                    "rerun": UI["rerun"].format(number=number)(lang),
                }
            )
    total = learner.total
    return {
        "name": learner.name,
        "title": UI["title"].format(name=learner.name)(lang),
        "who": " · ".join(who),
        "total": None if total is None else f"{total:.1f} %",
        "rows": rows,
        "policy": UI["policy"].format(policy=report.course.late.describe()(lang))(lang),
        "unknown_note": UI["unknown_note"](lang) if unknown else "",
        "exercises": exercises,
        "problems": list(learner.problems),
    }


# --- Markdown -----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~&])")


def markdown_text(text: str) -> str:
    """Learner text for Markdown: every character Markdown or HTML acts on backslash-escaped, on one line."""
    text = re.sub(r"\s+", " ", text).strip()
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_line(text: str) -> str:
    """``markdown_text`` for text that starts a line: ``1.`` can not start a list, ``=`` underline a heading."""
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", re.sub(r"^=", r"\\=", markdown_text(text)))


def _fenced(text: str) -> str:
    """A fenced code block longer than any run of backticks in ``text``, so the text can not close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def render_markdown(model: dict, lang: str) -> str:
    """The Markdown feedback file of one learner."""
    t = {key: value(lang) for key, value in UI.items()}
    lines = [f"# {markdown_text(model['title'])}", ""]
    if model["who"]:
        lines += [markdown_line(model["who"]), ""]
    total = model["total"] or t["no_total"]
    lines += [f"**{t['total']}: {markdown_text(total)}** ({markdown_text(t['total_note'])})", ""]
    lines += [f"## {t['scores']}", "", f"| {t['item']} | {t['score']} | {t['late']} | {t['counts']} |"]
    lines.append("|---|---|---|---|")
    for row in model["rows"]:
        late = f"**{markdown_text(row['late'])}**" if row["is_late"] else markdown_text(row["late"])
        cells = [markdown_text(row["item"]), markdown_text(row["score"]), late, markdown_text(row["counts"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", markdown_line(model["policy"])]
    if model["unknown_note"]:
        lines += ["", markdown_line(model["unknown_note"])]
    lines += ["", f"## {t['failed']}", ""]
    if not any(exercise["failed"] for exercise in model["exercises"]):
        lines += [t["none_failed"], ""]
    for exercise in model["exercises"]:
        lines += [f"### {markdown_text(exercise['title'])}", ""]
        for check in exercise["failed"]:
            lines += [f"#### {markdown_text(check['name'])} ({markdown_text(check['points'])})", ""]
            if check["message"]:
                lines += [_fenced(check["message"]), ""]
            if check["hint"]:
                lines += [f"{t['hint']}: {markdown_text(check['hint'])}", ""]
        if exercise["todo"]:
            lines += [f"{t['not_attempted']}: " + ", ".join(markdown_text(name) for name in exercise["todo"]), ""]
        lines += [f"`{exercise['rerun']}`", ""]
    if model["problems"]:
        lines += [f"## {t['problems']}", ""]
        lines += [f"- {markdown_line(problem)}" for problem in model["problems"]]
        lines.append("")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_feedback_html(model: dict, lang: str) -> str:
    """The HTML feedback file of one learner: one self-contained page, everything escaped."""
    labels = {key: value(lang) for key, value in UI.items()}
    return _environment().get_template("feedback.html").render(model=model, t=labels, lang=lang)


# --- writing ------------------------------------------------------------------------------------


def _write_inside(folder: Path, name: str, text: str) -> Path:
    """Write ``folder/name`` (through a temporary file and a rename); refuse a name that leaves ``folder``."""
    path = folder / name
    if path.parent != folder or name in (".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise GraderError(f"refused to write the feedback file {name!r} outside {folder}")
    temporary = folder / f".{name}.tmp"
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


def write_feedback(report: ClassReport, folder: Path, lang: str = "en") -> list[Path]:
    """Write NAME.html and NAME.md for every learner of ``report`` into ``folder``; the files written.

    ``folder`` is created when missing.  Names come from ``feedback_stems``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    stems = feedback_stems(learner.name for learner in report.learners)
    written = []
    for learner in report.learners:
        model = _learner_model(report, learner, lang)
        stem = stems[learner.name]
        written.append(_write_inside(folder, f"{stem}.html", render_feedback_html(model, lang)))
        written.append(_write_inside(folder, f"{stem}.md", render_markdown(model, lang)))
    return written
