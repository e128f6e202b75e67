"""grade exam: drawing the paper, the terminal session, scoring per topic, the history, the page."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.learner.exam import take_exam
from grader.quiz.bank import Option, Question, Quiz, load_bank
from grader.quiz.exam import (
    HISTORY_FILE,
    Paper,
    Session,
    allocate,
    append_history,
    draw_paper,
    eligible,
    history_lines,
    read_history,
    result_lines,
    run_exam,
    topic_scores,
)
from grader.quiz.exam_page import render_exam_page

EXAM_CLOCK_START = datetime(2027, 1, 16, 9, 0, tzinfo=UTC)  # any fixed moment (an exam morning)


def _single(question_id: str, options: int = 4, correct: int = 0) -> Question:
    return Question(
        id=question_id,
        title=f"Title {question_id}",
        body=f"Body of {question_id}, with $x^2$.",
        kind="single",
        options=tuple(Option(f"option {index} of {question_id}", index == correct) for index in range(options)),
        answer=None,
        tolerance=0.0,
        explanation=f"Because of {question_id}.",
        line=1,
    )


def _numeric(question_id: str, answer: float = 7.0) -> Question:
    return Question(question_id, f"Title {question_id}", "How many?", "numeric", (), answer, 0.5, "Counted.", 1)


def _multiple(question_id: str) -> Question:
    options = (Option("yes", True), Option("also", True), Option("no", False), Option("never", False))
    return Question(question_id, "All?", "Pick all.", "multiple", options, None, 0.0, "Both.", 1)


def _quiz(number: int, area: str, questions: list[Question], lang: str = "en") -> Quiz:
    return Quiz(
        number=number,
        slug=f"{number:02d}-topic",
        lang=lang,
        path=Path(f"/quizzes/{lang}/{number:02d}-topic.md"),
        title=f"Topic {number}" if lang == "en" else f"トピック {number}",
        area=area,
        topics=("t",),
        exercises=(),
        shuffle=False,
        questions=tuple(questions),
    )


def _small_bank() -> dict[tuple[int, str], Quiz]:
    """Quiz 1 (3 eligible of 5), quiz 2 (1 eligible of 2): 4 eligible questions in all."""
    first = [_single("s1"), _single("s2", correct=2), _numeric("n1"), _multiple("m1"), _single("five", options=5)]
    second = [_single("s3", correct=1), _multiple("m2")]
    return {
        (1, "en"): _quiz(1, "deep-learning-basics", first),
        (2, "en"): _quiz(2, "applied-math", second),
        (1, "ja"): _quiz(1, "deep-learning-basics", first, "ja"),
        (2, "ja"): _quiz(2, "applied-math", second, "ja"),
    }


@pytest.fixture(scope="module")
def bank() -> dict[tuple[int, str], Quiz]:
    quizzes, errors = load_bank()
    assert not errors, "\n".join(map(str, errors))
    return quizzes


# --- drawing -------------------------------------------------------------------------------------


def test_only_single_four_option_and_numeric_questions_are_eligible():
    assert eligible(_single("a"))
    assert eligible(_numeric("b"))
    assert not eligible(_multiple("c"))
    assert not eligible(_single("d", options=5))
    assert not eligible(_single("e", options=3))


def test_a_bank_smaller_than_the_paper_gives_every_eligible_question_once():
    paper = draw_paper(_small_bank(), "en", count=100, seed=1)
    assert paper.available == 4
    assert paper.requested == 100
    assert sorted(item.question.id for item in paper.questions) == ["n1", "s1", "s2", "s3"]
    transcript = io.StringIO()
    run_exam(paper, input=io.StringIO(""), output=transcript)
    assert "only 4 eligible questions" in transcript.getvalue()


@pytest.mark.parametrize(
    ("sizes", "count", "expected"),
    [
        pytest.param({1: 20, 2: 10, 3: 10}, 20, {1: 10, 2: 5, 3: 5}, id="exact-halves"),
        pytest.param({1: 3, 2: 3, 3: 3}, 4, {1: 2, 2: 1, 3: 1}, id="tie-to-lower-number"),
        pytest.param({1: 10, 2: 1}, 5, {1: 5, 2: 0}, id="largest-remainder"),  # quotas 4.55 and 0.45
        pytest.param({1: 2, 2: 5}, 9, {1: 2, 2: 5}, id="fewer-than-asked"),
    ],
)
def test_allocation_is_proportional_by_largest_remainder(sizes, count, expected):
    assert allocate(sizes, count) == expected


def test_a_real_paper_is_stratified_by_topic_and_fixed_by_its_seed(bank):
    paper = draw_paper(bank, "en", seed=2026)
    assert len(paper.questions) == 100
    assert paper.minutes == 120
    assert all(eligible(item.question) for item in paper.questions)
    pools = {number: sum(map(eligible, quiz.questions)) for (number, lang), quiz in bank.items() if lang == "en"}
    drawn = Counter(item.quiz.number for item in paper.questions)
    total = sum(pools.values())
    for number, size in pools.items():
        assert abs(drawn[number] - 100 * size / total) < 1, number
    ids = [(item.question.id, item.order) for item in paper.questions]
    assert [(item.question.id, item.order) for item in draw_paper(bank, "en", seed=2026).questions] == ids
    assert [(item.question.id, item.order) for item in draw_paper(bank, "ja", seed=2026).questions] == ids
    assert [item.question.id for item in draw_paper(bank, "en", seed=2027).questions] != [i for i, _ in ids]
    assert len({item.question.id for item in paper.questions}) == 100  # no question twice


# --- the terminal ---------------------------------------------------------------------------------


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TimedInput(io.StringIO):
    """Lines of input; reading the line at ``jump_at`` moves the clock past the deadline first."""

    def __init__(self, lines: list[str], clock: FakeClock, jump_at: int, seconds: float) -> None:
        super().__init__("".join(line + "\n" for line in lines))
        self.clock, self.jump_at, self.seconds, self.count = clock, jump_at, seconds, 0

    def readline(self, *args) -> str:  # type: ignore[override]
        if self.count == self.jump_at:
            self.clock.now += self.seconds
        self.count += 1
        return super().readline(*args)


def _paper(bank=None, seed=5) -> Paper:
    paper = draw_paper(bank or _small_bank(), "en", count=4, minutes=10, seed=seed)
    # a fixed order for the script: s1 (a), s2 (c), n1 (7), s3 (b); options are not shuffled
    by_id = {item.question.id: item for item in paper.questions}
    return Paper("en", 5, 10, 4, 4, tuple(by_id[name] for name in ("s1", "s2", "n1", "s3")))


def test_a_scripted_exam_with_flag_back_jump_list_and_submit():
    paper = _paper()
    script = [
        "a",  # 1 right, on to 2
        "f",  # flag 2
        "",  # skip 2
        "p",  # back to 2
        "e",  # no option e: complaint
        "b",  # 2 wrong, on to 3
        "seven",  # not a number: complaint
        "7.2",  # 3 right (7 ± 0.5), on to 4
        "g 2",  # back to 2
        "c",  # 2 right now
        "g 9",  # no question 9
        "l",
        "s",  # 4 unanswered, 2 flagged: asked
        "n",
        "g4",
        "x",  # nothing to clear on 4
        "s",
        "y",
    ]
    output = io.StringIO()
    session = run_exam(paper, input=io.StringIO("\n".join(script) + "\n"), output=output, clock=FakeClock())
    text = output.getvalue()
    assert session.ended == "submitted"
    assert session.responses == {0: {0}, 1: {2}, 2: 7.2}
    assert session.flagged == {1}
    assert "Flagged question 2 for review." in text
    assert "There is no option" not in text
    assert "Type one letter (a-d)" in text
    assert "Type a number" in text
    assert "There is no question 9: type g and a number from 1 to 4." in text
    assert "Answered 3, flagged 1, unanswered 1" in text
    assert "   1*    2*!   3*    4- " in text
    assert text.count("1 unanswered and 1 flagged. Submit now? (y/n)") == 2
    assert "[10:00 left]" in text
    lines = "\n".join(result_lines(paper, session))
    assert "Score: 3/4 (75%), time used 0:00 of 10:00" in lines
    assert "Wrong or unanswered (1)" in lines
    assert "Your answer: not answered" in lines
    assert "Right answer: b) option 1 of s3" in lines
    assert "Because of s3." in lines


def test_when_the_time_runs_out_the_next_input_ends_the_exam():
    clock = FakeClock()
    lines = ["a", "c", "7", "b"]  # the fourth line comes after 11 minutes of a 10-minute exam
    output = io.StringIO()
    session = run_exam(_paper(), input=TimedInput(lines, clock, jump_at=3, seconds=660), output=output, clock=clock)
    assert session.ended == "time"
    assert session.responses == {0: {0}, 1: {2}, 2: 7.0}  # the late "b" is not counted
    assert session.seconds == 600
    assert "Time is up" in output.getvalue()
    report = "\n".join(result_lines(_paper(), session))
    assert "Score: 3/4 (75%), time used 10:00 of 10:00, time ran out" in report


def test_the_remaining_time_is_shown_at_each_prompt_and_input_end_scores():
    clock = FakeClock()
    output = io.StringIO()
    session = run_exam(
        _paper(), input=TimedInput(["a", "f"], clock, jump_at=1, seconds=61.5), output=output, clock=clock
    )
    assert "[10:00 left]" in output.getvalue()
    assert "[8:59 left]" in output.getvalue()
    assert session.ended == "input"
    assert session.responses == {0: {0}}


def test_abandoning_asks_and_saves_nothing(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("grader.learner.exam.load_bank", lambda: (_small_bank(), []))
    lines = take_exam("en", input=io.StringIO("q\nn\nq\ny\n"), output=io.StringIO(), questions=4, seed=1)
    assert lines.status == 1
    assert not (tmp_path / HISTORY_FILE).exists()


def test_japanese_messages():
    output = io.StringIO()
    bank = _small_bank()
    paper = draw_paper(bank, "ja", count=4, minutes=10, seed=3)
    session = run_exam(paper, input=io.StringIO("f\nl\ns\ny\n"), output=output, clock=FakeClock())
    text = output.getvalue()
    assert "模擬試験: 4 問、10 分" in text
    assert "[残り 10:00]" in text
    assert "見直しマークを付けました" in text
    report = "\n".join(result_lines(paper, session))
    assert "得点: 0/4(0%)" in report
    assert "シラバスの分野別" in report
    assert "トピック 1" in report


# --- scoring ----------------------------------------------------------------------------------------


def test_scores_per_topic_and_per_area():
    paper = _paper()
    session = Session(responses={0: {0}, 1: {1}, 2: 7.4, 3: {1}})  # s2 wrong
    by_topic, by_area = topic_scores(paper, session)
    assert [(row.key, row.right, row.total, row.percent) for row in by_topic] == [("1", 2, 3, 67), ("2", 1, 1, 100)]
    assert [(row.key, row.title, row.right, row.total) for row in by_area] == [
        ("applied-math", "Applied mathematics", 1, 1),
        ("deep-learning-basics", "Deep learning foundations", 2, 3),
    ]


# --- history ------------------------------------------------------------------------------------------


def test_history_keeps_every_exam_and_prints_it(tmp_path):
    paper = _paper()
    append_history(tmp_path, paper, Session(responses={0: {0}}, seconds=75.0))
    path, set_aside = append_history(tmp_path, paper, Session(responses={0: {0}, 3: {1}}, ended="time"))
    assert set_aside == ""
    assert path == tmp_path / HISTORY_FILE
    records = json.loads(path.read_text(encoding="utf-8"))["exams"]
    assert [record["score"] for record in records] == [1, 2]
    assert records[0]["seed"] == 5
    assert records[0]["seconds"] == 75.0
    assert records[1]["ended"] == "time"
    assert records[0]["topics"][0] == {"quiz": 1, "title": "Topic 1", "right": 1, "total": 3}
    text = "\n".join(history_lines(read_history(tmp_path), "en"))
    assert "Mock exams (2)" in text
    assert "  1/4    25%  time    1:15 of 10:00  seed 5" in text
    assert "weakest: Topic 2 0/1, Topic 1 1/3" in text
    assert "time ran out" in text


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="bad-json"),
        pytest.param(b'["a list"]', id="wrong-shape"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b'{"exams": 1' + b"0" * 5000 + b"}", id="huge-number"),
    ],
)
def test_a_corrupt_history_is_set_aside_with_a_message(tmp_path, content):
    path = tmp_path / HISTORY_FILE
    path.parent.mkdir()
    path.write_bytes(content)
    assert "is not an exam history" in history_lines(read_history(tmp_path), "en")[0]
    assert "模擬試験の記録として読めません" in history_lines(read_history(tmp_path), "ja")[0]
    written, set_aside = append_history(tmp_path, _paper(), Session())
    assert Path(set_aside).read_bytes() == content
    assert len(read_history(tmp_path).records) == 1


def test_damaged_entries_are_left_out_and_counted(tmp_path):
    append_history(tmp_path, _paper(), Session(responses={0: {0}}))
    path = tmp_path / HISTORY_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    good = data["exams"][0]
    data["exams"] += [
        {**good, "score": 9},  # more than max_score
        {**good, "seconds": "NaN"},
        {**good, "seed": True},
        {**good, "topics": [{"title": "\x1b[2J", "right": 0, "total": 1}, "junk"]},
        42,
    ]
    path.write_text(json.dumps(data), encoding="utf-8")
    history = read_history(tmp_path)
    assert len(history.records) == 2
    assert history.skipped == 4
    text = "\n".join(history_lines(history, "en"))
    assert "4 damaged entries" in text
    assert "\x1b" not in text
    assert "\\x1b[2J 0/1" in text


def test_cli_history_and_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["exam", "--history", "--lang", "en"])
    assert result.exit_code == 0
    assert "No mock exam taken yet" in result.output
    for bad in (["--questions", "0"], ["--minutes", "0"], ["--seed", "-1"], ["--history", "--html", "x.html"]):
        result = runner.invoke(main, ["exam", *bad])
        assert result.exit_code == 2, bad
    assert not (tmp_path / ".grade").exists()  # never a stray ./.grade/ outside a workspace


def test_cli_exam_in_a_workspace_saves_the_history(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("grader.learner.exam.load_bank", lambda: (_small_bank(), []))
    result = CliRunner().invoke(
        main, ["exam", "--questions", "3", "--minutes", "5", "--seed", "8", "--lang", "en"], input="a\na\na\n"
    )
    assert result.exit_code == 0, result.output
    assert "Mock exam: 3 questions, 5 minutes (seed 8)" in result.output
    assert "The input ended" in result.output
    assert "By topic (quiz):" in result.output
    assert "grade exam --seed 8 --questions 3 --minutes 5" in result.output
    records = read_history(tmp_path).records
    assert len(records) == 1
    assert records[0]["max_score"] == 3
    assert records[0]["ended"] == "input"


# --- the page -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_page_is_self_contained_with_a_countdown_and_no_visible_answers(bank, lang):
    paper = draw_paper(bank, lang, count=20, minutes=30, seed=9)
    page = render_exam_page(paper)
    assert f'<html lang="{lang}">' in page
    assert '<span id="countdown" class="countdown" role="timer" aria-live="off">30:00</span>' in page
    assert page.count('class="nav-item"') == 20
    assert page.count('<section class="question"') == 20
    assert "default-src 'none'" in page
    # nothing is fetched: no external source, link, import or url() other than the embedded font
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert not re.search(r"url\((?!data:)", page)
    assert "@import" not in page
    assert "<math" in page  # question text rendered as the quiz page renders it
    # the answers are in the data, not in visible text: explanations only inside hidden feedback
    feedback = re.findall(r'<div class="feedback" id="q\d+-feedback" hidden>', page)
    assert len(feedback) == 20
    assert page.count('<div class="explanation">') == 20
    assert '<p class="right-answer"></p>' in page
    assert ("<h1>模擬試験</h1>" in page) == (lang == "ja")
    assert ("<h1>Mock exam</h1>" in page) == (lang == "en")
    assert ("正解: {answer}" in page) == (lang == "ja")  # the script's text too
    first = paper.questions[0]
    assert f'id="q2" data-kind="{paper.questions[1].question.kind}" hidden' in page
    assert first.quiz.title.split()[0] in page


CHROMIUM = Path("/usr/bin/chromium")


def test_the_page_in_chromium_by_keyboard_with_the_time_running_out(tmp_path):
    """One fast browser run: keys a-d, n, f, Tab; a reload keeps the exam; Submit asks again; 0:00 submits."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    page_file = tmp_path / "exam.html"
    paper = _paper()  # s1 (right: a), s2 (right: c), n1 (7 ± 0.5), s3 (right: b); options not shuffled
    page_file.write_text(render_exam_page(Paper("en", 5, 1, 4, 4, paper.questions)), encoding="utf-8")
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page()
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            # the page's clock stands still but for fast_forward: a slow machine must not tick it on
            page.clock.install(time=EXAM_CLOCK_START)
            page.clock.pause_at(EXAM_CLOCK_START + timedelta(seconds=1))
            page.goto(page_file.as_uri())
            assert page.inner_text("#countdown") == "1:00"
            assert page.is_visible("#q1")
            assert not page.is_visible("#q2")
            assert not page.is_visible(".explanation")
            assert page.inner_text("#result") == ""
            page.keyboard.press("a")  # q1 right
            page.keyboard.press("n")
            page.keyboard.press("f")  # flag q2, leave it
            page.keyboard.press("n")
            page.keyboard.type("7.3")  # q3: the number field has the focus
            page.keyboard.press("Tab")
            page.keyboard.press("n")
            page.keyboard.press("a")  # q4 wrong
            classes = page.eval_on_selector_all(".nav-item", "items => items.map(item => item.className)")
            assert [set(names.split()) - {"nav-item"} for names in classes] == [
                {"answered"},
                {"flagged"},
                {"answered"},
                {"answered", "current"},
            ]
            page.clock.fast_forward("00:20")
            page.reload()  # the exam goes on: same start, answers and flags
            classes = page.eval_on_selector_all(".nav-item", "items => items.map(item => item.className)")
            assert [set(names.split()) - {"nav-item"} for names in classes] == [
                {"answered", "current"},
                {"flagged"},
                {"answered"},
                {"answered"},
            ]
            assert page.input_value("#q3-answer") == "7.3"
            assert page.inner_text("#countdown") == "0:40"
            page.click("#submit")
            assert page.inner_text("#status").startswith("1 unanswered and 1 flagged. Press Submit again")
            assert page.inner_text("#result") == ""
            page.clock.fast_forward("00:41")
            assert page.inner_text("#status") == "Time is up: the exam was submitted."
            assert page.evaluate("window.localStorage.length") == 0  # nothing kept once submitted
            result = page.inner_text("#result")
            assert "Score: 2 / 4 (50%), time used 1:00 of 1:00" in result
            assert "Applied mathematics\t0 / 1\t0" in result
            assert "1 Topic 1\t2 / 3\t67" in result
            assert page.inner_text("#q4 .right-answer") == "Right answer: b"
            assert page.inner_text("#q3 .right-answer") == "Right answer: 7 ± 0.5"
            assert page.is_visible("#q2 .explanation")
            assert page.inner_text("#q2 .verdict") == "✗ Not answered"
        finally:
            browser.close()
    assert problems == []


def test_a_bank_without_eligible_questions_says_so(monkeypatch):
    only_multiple = {(1, lang): _quiz(1, "applied-math", [_multiple("m1")], lang) for lang in ("en", "ja")}
    monkeypatch.setattr("grader.learner.exam.load_bank", lambda: (only_multiple, []))
    result = CliRunner().invoke(main, ["exam", "--lang", "en"], input="a\n")
    assert result.exit_code == 3
    assert "no question a mock exam can ask" in result.output
    assert "Traceback" not in result.output


def test_a_history_that_can_not_be_written_is_a_warning_after_the_score(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    (tmp_path / ".grade").write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("grader.learner.exam.load_bank", lambda: (_small_bank(), []))
    lines = take_exam("en", input=io.StringIO("a\ns\ny\n"), output=io.StringIO(), questions=4, seed=1)
    assert lines.status == 0
    assert any(line.startswith("Score: ") for line in lines.out)
    assert len(lines.warnings) == 1
    assert lines.warnings[0].startswith("Could not save the exam: ")
    history = "\n".join(history_lines(read_history(tmp_path), "en"))
    assert "No mock exam taken yet" in history


def test_answering_every_shuffled_question_by_its_shown_letter_scores_full_marks(bank):
    paper = draw_paper(bank, "en", count=30, minutes=60, seed=4)
    assert any(list(item.order) != sorted(item.order) for item in paper.questions)  # options are shuffled
    script = []
    for item in paper.questions:
        if item.question.kind == "numeric":
            script.append(repr(item.question.answer))
        else:
            (right,) = item.question.correct_indices
            script.append("abcd"[item.order.index(right)])
    session = run_exam(paper, input=io.StringIO("\n".join([*script, "s"]) + "\n"), output=io.StringIO())
    assert session.ended == "submitted"
    report = result_lines(paper, session)
    assert "Score: 30/30 (100%)" in report[1]
    assert "Every answer is right." in report
