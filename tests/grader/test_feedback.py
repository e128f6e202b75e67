"""Per-learner feedback files: safe names for hostile learner names, escaping, content in both languages."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from classbook import LATE_COURSE, fill_late_class, make_result
from click.testing import CliRunner

from grader.classroom.coursefile import parse_course
from grader.classroom.feedback import (
    STEM_LIMIT,
    feedback_stem,
    feedback_stems,
    markdown_line,
    markdown_text,
    write_feedback,
)
from grader.classroom.gradebook import Gradebook
from grader.classroom.report import build_report
from grader.cli import main
from grader.grading.results import Status
from grader.text import Text

QUIZZES = frozenset(range(1, 23))
HOSTILE = [
    "../x",
    "a/b",
    "a\\b",
    "CON",
    "con.txt",
    "nul",
    "COM1",
    "LPT9",
    "x" * 300,
    "tab\there\x1b[31m\x07",
    ".",
    "..",
    "A_B",
    "a b",
    "a_b",
    "a:b",
    "<script>alert(1)</script>",
    "山田 太郎",
    "-rf",
]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("../x", "x"),
        ("a/b", "a_b"),
        ("CON", "learner_CON"),
        ("con.txt", "con_txt"),
        ("COM¹", "learner_COM¹"),
        (".", "learner"),
        ("..", "learner"),
        ("", "learner"),
        ("\x00\x1b", "learner"),
        ("山田 太郎", "山田_太郎"),
        ("-rf", "rf"),
    ],
)
def test_a_learner_name_becomes_a_safe_file_name(name, stem):
    assert feedback_stem(name) == stem


def test_names_that_collide_after_cleaning_or_in_case_get_numbers():
    stems = feedback_stems(["a b", "a_b", "A_B", "a/b", "a_b-2"])
    assert stems == {"a b": "a_b", "a_b": "a_b-2", "A_B": "A_B-3", "a/b": "a_b-4", "a_b-2": "a_b-2-2"}
    long = feedback_stems(["x" * 300, "x" * 299 + "y"])
    assert len(long["x" * 300]) == STEM_LIMIT
    assert len(set(long.values())) == 2
    assert all(len(stem) <= STEM_LIMIT for stem in long.values())


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "gradebook.sqlite"
    with Gradebook(path) as gradebook:
        fill_late_class(gradebook)
        message = Text("</pre><script>alert(1)</script> ``` # heading", "</pre><img src=x onerror=alert(1)> ```")
        for position, name in enumerate(HOSTILE):
            result = make_result(
                1,
                [Status.FAILED],
                hints=[Text("<b>look</b> at [x](javascript:alert(1))", "<b>軸</b>を確認")],
            )
            result = dataclasses.replace(result, results=(dataclasses.replace(result.results[0], lines=(message,)),))
            gradebook.record_exercise(name, 1, "ex01_activations.py", f"h{position}", result)
            gradebook.record_problem(name, "ex99.py: <img src=x onerror=alert(1)> not an exercise")
        record = gradebook.load()
    return build_report(record, None, course=parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.resources.extend(value for name, value in attrs if name in ("src", "href") and value)


def test_hostile_names_write_every_file_inside_the_folder_and_nothing_else(hostile_report, tmp_path):
    outside = set(tmp_path.parent.iterdir())
    folder = tmp_path / "feedback"
    written = write_feedback(hostile_report, folder, "en")
    learners = len(hostile_report.learners)
    assert len(written) == 2 * learners
    assert sorted(written) == sorted(folder.iterdir())  # no temporary file left, nothing else
    assert len({path.name.casefold() for path in written}) == 2 * learners  # no two learners share a file
    for path in written:
        assert path.resolve().parent == folder.resolve()
        assert len(path.name) <= STEM_LIMIT + 5
        assert not re.search(r"[\x00-\x1f/\\:<>\"|?*]", path.name)
        assert path.stem.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9"}
    assert set(tmp_path.parent.iterdir()) == outside
    assert not (tmp_path / "x.html").exists()
    assert not (tmp_path / "x.md").exists()


def test_the_html_files_are_escaped_and_self_contained(hostile_report, tmp_path):
    write_feedback(hostile_report, tmp_path, "en")
    for path in tmp_path.glob("*.html"):
        page = path.read_text(encoding="utf-8")
        parser = _Collector()
        parser.feed(page)
        assert not {"script", "img", "b", "a"} & set(parser.tags), path
        assert parser.resources == [], path  # no network, no links
    ann = (tmp_path / "learner_CON.html").read_text(encoding="utf-8")
    assert "&lt;/pre&gt;&lt;script&gt;" in ann


def test_the_markdown_files_can_not_inject_markup(hostile_report, tmp_path):
    write_feedback(hostile_report, tmp_path, "en")
    text = (tmp_path / "script_alert_1_script.md").read_text(encoding="utf-8")
    assert text.startswith(r"# Feedback: \<script\>alert\(1\)\</script\>")
    # the message sits in a fence longer than the ``` it holds, so it can not close it
    fenced = (
        "````text\n</pre><script>alert(1)</script> ``` # heading\nhint: <b>look</b> at [x](javascript:alert(1))\n````"
    )
    assert fenced in text
    assert r"\<img src=x onerror=alert\(1\)\>" in text
    outside = text.replace(fenced, "")
    assert not re.search(r"(?<!\\)[<\[]", outside), outside  # every < and [ outside the fence is escaped
    assert markdown_text("1. item\n# x") == r"1. item \# x"
    assert markdown_line("1. item") == r"1\. item"
    assert markdown_line("= x") == r"\= x"


@pytest.fixture(scope="module")
def late_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("late") / "gradebook.sqlite"
    with Gradebook(path) as gradebook:
        fill_late_class(gradebook)
        record = gradebook.load()
    return build_report(record, None, course=parse_course(LATE_COURSE, "course.toml", quizzes=QUIZZES))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "# Feedback: ann",
                "**Weighted total: 82.5 %**",
                "| Exercise 2 | 0.8 / 2 \\(1 before the late penalty\\) | **late 2 days \\(\\-20 %\\)** "
                "| yes, weight 1 |",
                "| Quiz 1 | 2.7 / 3 \\(3 before the late penalty\\) | **late 1 day \\(\\-10 %\\)** | yes, weight 1 |",
                "| Exercise 3 | 1 / 1 |  | not counted |",
                "Late policy: late work loses 10 % per started day late, at most 50 %.",
                "#### f1: check 1 (0/1)",
                "expected 1, got 1",
                "`re-run: grade exercise 2`",
            ],
        ),
        (
            "ja",
            [
                "# フィードバック: ann",
                "**合計(重み付き): 82.5 %**",
                "| 課題 2 | 0.8 / 2\\(減点前 1\\) | **遅れ 2 日\\(\\-20 %\\)** | はい\\(重み 1\\) |",
                "| 確認テスト 1 | 2.7 / 3\\(減点前 3\\) | **遅れ 1 日\\(\\-10 %\\)** | はい\\(重み 1\\) |",
                "| 課題 3 | 1 / 1 |  | 合計に数えない |",
                "提出遅れの扱い: 提出遅れは遅れた日\\(開始した日\\)ごとに 10 % 減点、最大 50 %。",
                "#### f1: 確認 1 (0/1)",
                "期待 1、実際 1",
                "`再実行: grade exercise 2`",
            ],
        ),
    ],
)
def test_a_feedback_file_in_each_language(late_report, tmp_path, lang, expected):
    write_feedback(late_report, tmp_path, lang)
    text = (tmp_path / "ann.md").read_text(encoding="utf-8")
    for line in expected:
        assert line in text, (line, text)
    page = (tmp_path / "ann.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    assert 'class="late badge"' in page
    bob = (tmp_path / "bob.md").read_text(encoding="utf-8")
    assert ("time unknown" if lang == "en" else "提出時刻不明") in bob
    carol = (tmp_path / "carol.md").read_text(encoding="utf-8")
    assert ("not submitted" if lang == "en" else "未提出") in carol
    assert "ex01.py: not UTF\\-8 \\(save the file as UTF\\-8\\)" in carol


def test_grade_report_feedback_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(tmp_path / "no-quizzes"))  # the bank is not what is tested
    db = tmp_path / "gradebook.sqlite"
    with Gradebook(db) as gradebook:
        fill_late_class(gradebook)
    result = CliRunner().invoke(main, ["report", "--db", str(db), "--feedback", str(tmp_path / "fb"), "--lang", "ja"])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'fb'} に受講者 3 人分のフィードバックを書き出しました" in result.output
    assert sorted(path.name for path in (tmp_path / "fb").iterdir()) == [
        "ann.html", "ann.md", "bob.html", "bob.md", "carol.html", "carol.md",
    ]  # fmt: skip
    assert "フィードバック: bob" in (tmp_path / "fb" / "bob.html").read_text(encoding="utf-8")
    assert Path(tmp_path / "fb" / "ann.md").read_text(encoding="utf-8").startswith("# フィードバック: ann")
