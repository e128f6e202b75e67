"""``grade list``: progress bars, totals, colour or not, ASCII bars, wide characters, damaged files.

The workspace state is written by hand (result files and quiz attempts as the
grader writes them), and the quiz bank is a small one of three quizzes, so no
test grades anything or loads the course's bank: each runs in well under a second.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import EXERCISES
from grader.learner import commands
from grader.learner.listing import (
    ListStyle,
    can_draw_blocks,
    columns,
    extra_lines,
    percent,
    shorten,
    shown_name,
    wants_colour,
)
from grader.learner.workspace import file_digest, init_workspace
from grader.statefile import write_state

GOOD_QUIZ = Path(__file__).resolve().parent / "quizzes_bad" / "en" / "01-good.md"
GOOD_QUIZ_JA = Path(__file__).resolve().parent / "quizzes_bad" / "ja" / "01-good.md"
BROKEN_QUIZ = Path(__file__).resolve().parent / "quizzes_bad" / "en" / "02-no-correct.md"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TITLES = {
    1: ("A good quiz", "よい確認テスト"),
    2: ("Second quiz", "二つ目の確認テスト"),
    3: ("A third quiz with a title long enough to be cut short in the listing table", "三つ目"),
}


@pytest.fixture
def bank(tmp_path, monkeypatch):
    """Quizzes 1-3 (3 questions each, both languages) and a broken quiz 4."""
    root = tmp_path / "bank"
    for lang, source in (("en", GOOD_QUIZ), ("ja", GOOD_QUIZ_JA)):
        (root / lang).mkdir(parents=True)
        text = source.read_text(encoding="utf-8")
        original = re.search(r'title = "(.*)"', text)
        assert original is not None
        for number, titles in TITLES.items():
            title = titles[0] if lang == "en" else titles[1]
            (root / lang / f"{number:02d}-quiz.md").write_text(
                text.replace(original.group(0), f'title = "{title}"'), encoding="utf-8"
            )
    shutil.copyfile(BROKEN_QUIZ, root / "en" / "04-broken.md")
    shutil.copyfile(BROKEN_QUIZ, root / "ja" / "04-broken.md")
    monkeypatch.setenv("GRADE_QUIZ_ROOT", str(root))
    return root


@pytest.fixture
def workspace(tmp_path, monkeypatch, bank):
    folder = tmp_path / "ws"
    init_workspace(folder)
    monkeypatch.chdir(folder)
    for variable in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(variable, raising=False)
    return folder


def _result(workspace: Path, number: int, statuses: list[str], *, file: str | None = None, edit: bool = False) -> None:
    """A result file as ``record_result`` writes it: ``statuses`` of the checks, in order."""
    graded = workspace / (file or next((workspace / "exercises").glob(f"ex{number:02d}_*.py")).relative_to(workspace))
    record = {
        "exercise": number,
        "file": graded.relative_to(workspace).as_posix(),
        "sha256": file_digest(graded),
        "graded": "2026-01-01T10:00:00+09:00",
        "attempted": True,
        "passed": all(status == "passed" for status in statuses),
        "score": statuses.count("passed"),
        "max_score": len(statuses),
        "checks": [{"name": f"check {i}", "status": status} for i, status in enumerate(statuses)],
    }
    write_state(workspace / ".grade" / "results" / f"ex{number:02d}.json", record)
    if edit:
        with graded.open("a", encoding="utf-8") as handle:
            handle.write("\n# trying something\n")


def _attempt(workspace: Path, number: int, score: object, max_score: object, stamp: str, **extra: object) -> None:
    record = {"quiz": number, "lang": "en", "score": score, "max_score": max_score, "questions": [], **extra}
    write_state(workspace / ".grade" / "quiz-attempts" / f"{number:02d}-en-{stamp}.json", record)


@pytest.fixture
def progress(workspace):
    """Exercise 1 passed, 2 failing 3 of 14, 3 passed then edited, 4 graded as the untouched stub; quizzes 1 and 2."""
    _result(workspace, 1, ["passed"] * 9)
    _result(workspace, 2, ["passed"] * 3 + ["failed"] * 11)
    _result(workspace, 3, ["passed"] * 4, edit=True)
    _result(workspace, 4, ["not_attempted"] * 15)
    _attempt(workspace, 1, 2, 3, "20260101T100000000000")
    _attempt(workspace, 1, 3, 3, "20260102T100000000000")
    _attempt(workspace, 1, 1, 3, "20260103T100000000000")  # a later, worse attempt: the best stays 3/3
    _attempt(workspace, 2, 1, 3, "20260101T100000000000")
    _attempt(workspace, 2, 3, 3, "20260102T100000000000", review=True)  # reviews do not count
    return workspace


def _row(lines: list[str], number: int, after: str | None = None) -> str:
    start = lines.index(after) if after else 0
    return next(line for line in lines[start:] if line.startswith(f"{number:2d}  "))


QUIZ_HEADING = {"en": "\nConfirmation tests (grade quiz N):", "ja": "\n確認テスト（grade quiz N）:"}


# --- bars and totals ----------------------------------------------------------------------------------------


def test_bars_and_totals_in_english(progress):
    lines = commands.overview("en", style=ListStyle(blocks=True)).out
    assert re.search(r"  ██████████ +9/9  passed$", _row(lines, 1))
    assert re.search(r"  ██░░░░░░░░ +3/14  failing \(3 of 14 checks pass\)$", _row(lines, 2))
    assert re.search(r"  ██████████ +4/4  passed, edited since$", _row(lines, 3))
    assert re.search(r"  ░░░░░░░░░░ +0/15  not attempted$", _row(lines, 4))  # graded: the untouched stub
    assert re.search(r"  ░░░░░░░░░░ +-  not attempted$", _row(lines, 5))  # never graded
    assert (
        "    Total: 2 of 14 exercises passed, 1 failing, 11 not attempted; "
        "checks: 16 of 42 pass (38%) in the 4 graded; 1 edited since grading"
    ) in lines

    quizzes = QUIZ_HEADING["en"]
    assert re.search(r"  ██████████ 100%  passed, best 3/3$", _row(lines, 1, quizzes))
    assert re.search(r"  ███░░░░░░░  33%  not passed yet, best 1/3$", _row(lines, 2, quizzes))
    assert re.search(r"  ░░░░░░░░░░    -  not taken yet$", _row(lines, 3, quizzes))
    assert _row(lines, 4, quizzes) == " 4  (has an error: see grade quiz 4)"
    assert "    Total: 2 of 3 quizzes taken, 1 passed (80% or more); average best score 66%" in lines


def test_bars_and_totals_in_japanese(progress):
    lines = commands.overview("ja", style=ListStyle(blocks=True)).out
    assert re.search(r"  ██████████ +9/9  合格$", _row(lines, 1))
    assert re.search(r"  ██░░░░░░░░ +3/14  不合格\(14 件中 3 件合格\)$", _row(lines, 2))
    assert re.search(r"  ██████████ +4/4  合格、採点後に編集あり$", _row(lines, 3))
    assert re.search(r"  ░░░░░░░░░░ +-  未着手$", _row(lines, 5))
    assert (
        "    合計: 課題 14 件中 2 件合格、不合格 1 件、未着手 11 件。"
        "チェック: 採点済みの 4 件で 42 件中 16 件合格(38%)。採点後に編集あり 1 件"
    ) in lines
    quizzes = QUIZ_HEADING["ja"]
    assert _row(lines, 1, quizzes).endswith("100%  合格、最高 3/3")
    assert _row(lines, 2, quizzes).endswith("33%  未合格、最高 1/3")
    assert _row(lines, 3, quizzes).endswith("-  未受験")
    assert "    合計: 確認テスト 3 件中 2 件受験、1 件合格(80% 以上)。最高得点の平均 66%" in lines


def test_a_fresh_workspace_has_empty_bars_and_zero_totals(workspace):
    lines = commands.overview("en").out
    assert "    Total: 0 of 14 exercises passed, 0 failing, 14 not attempted" in lines
    assert "    Total: 0 of 3 quizzes taken, 0 passed (80% or more)" in lines


def test_outside_a_workspace_only_the_quiz_total(tmp_path, monkeypatch, bank):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    monkeypatch.setenv("DLGRADE_DATA_DIR", str(data))
    _attempt(data, 2, 3, 3, "20260101T100000000000")
    lines = commands.overview("en").out
    assert not any(line.startswith("    Total: 0 of 14") for line in lines)
    assert _row(lines, 1) == " 1  Activation functions and a forward pass"
    assert _row(lines, 2, QUIZ_HEADING["en"]).endswith("100%  passed, best 3/3")
    assert "    Total: 1 of 3 quizzes taken, 1 passed (80% or more); average best score 100%" in lines


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [
        (0, 10, "░░░░░░░░░░"),
        (6, 10, "██████░░░░"),
        (9.99, 10, "█████████░"),  # full only when complete
        (10, 10, "██████████"),
        (15, 10, "██████████"),  # a hand-edited score above the maximum
        (-3, 10, "░░░░░░░░░░"),
        (1e308, 1e-300, "██████████"),
        (5, 0, "░░░░░░░░░░"),  # nothing to count
    ],
    ids=["none", "six-tenths", "almost", "all", "above", "negative", "overflow", "no-total"],
)
def test_a_bar_fills_rounding_down_and_stays_in_its_width(done, total, bar):
    assert ListStyle(blocks=True).bar(done, total) == bar
    assert ListStyle(blocks=False).bar(done, total) == bar.replace("█", "#").replace("░", ".")


@pytest.mark.parametrize(
    ("done", "total", "shown"),
    [(4, 5, 80), (79.9, 100, 79), (29, 100, 29), (2, 3, 66), (7, 0, 0), (1e308, 1e-300, 100)],
)
def test_percent_rounds_down_so_a_pass_mark_is_never_shown_early(done, total, shown):
    assert percent(done, total) == shown


def test_hand_edited_quiz_scores_are_clamped_or_left_out(workspace):
    _attempt(workspace, 1, 50, 3, "20260101T100000000000")  # above the maximum: counted as full marks
    _attempt(workspace, 2, "many", 3, "20260101T100000000000")  # not a number: left out
    _attempt(workspace, 3, 1, 0, "20260101T100000000000")  # no maximum: left out
    lines = commands.overview("en", style=ListStyle(blocks=True)).out
    quizzes = QUIZ_HEADING["en"]
    assert re.search(r"  ██████████ 100%  passed, best 3/3$", _row(lines, 1, quizzes))
    assert _row(lines, 2, quizzes).endswith("not taken yet")
    assert _row(lines, 3, quizzes).endswith("not taken yet")
    assert "    Total: 1 of 3 quizzes taken, 1 passed (80% or more); average best score 100%" in lines


# --- colour ------------------------------------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("choice", "environ", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": "0"}, True, False),  # any non-empty value, per no-color.org
        ("auto", {"NO_COLOR": ""}, True, True),  # empty: as if unset
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"TERM": "xterm-256color"}, True, True),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "1", "TERM": "dumb"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, True, False),
        ("auto", {"FORCE_COLOR": ""}, False, False),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),  # the learner's "no" wins
        ("always", {"NO_COLOR": "1"}, False, True),  # the command line overrides the environment
        ("always", {"TERM": "dumb"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("never", {}, True, False),
    ],
)
def test_colour_follows_the_option_then_no_color_force_color_term_and_the_terminal(choice, environ, tty, expected):
    assert wants_colour(choice, _Stream(tty), environ) is expected


def test_colour_is_off_for_a_stream_without_isatty_or_closed():
    assert wants_colour("auto", None, {}) is False
    assert wants_colour("auto", object(), {}) is False  # type: ignore[arg-type]
    closed = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    closed.close()
    assert wants_colour("auto", closed, {}) is False
    with pytest.raises(ValueError, match="auto, always, never"):
        wants_colour("sometimes", None, {})


def _grade_list(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["list", *args], env=env)


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--colour", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {}, False),  # not a terminal
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": ""}, True),
    ],
    ids=["always", "always-beats-no-color", "never", "piped", "force", "no-color-wins", "empty-no-color"],
)
def test_grade_list_colours_only_when_asked_or_on_a_terminal(progress, args, env, coloured):
    result = _grade_list("--lang", "en", *args, env=env)
    assert result.exit_code == 0, result.output
    assert bool(ANSI.search(result.stdout)) is coloured
    if coloured:
        assert "\x1b[32mpassed\x1b[0m" in result.stdout
        assert "\x1b[31mfailing (3 of 14 checks pass)\x1b[0m" in result.stdout
        assert "\x1b[33mpassed, edited since\x1b[0m" in result.stdout
        assert "\x1b[2mnot attempted\x1b[0m" in result.stdout


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_text_without_colour_says_the_same(progress, lang):
    coloured = _grade_list("--lang", lang, "--color", "always").stdout
    plain = _grade_list("--lang", lang, "--color", "never").stdout
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_a_bad_colour_choice_is_a_usage_error(workspace):
    result = _grade_list("--color", "sometimes")
    assert result.exit_code == 2
    assert "'sometimes' is not one of 'auto', 'always', 'never'" in result.output


# --- the bar's characters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "blocks"),
    [("utf-8", True), ("cp437", True), ("ascii", False), ("cp1252", False), ("cp932", False), ("latin-1", False)],
)
def test_block_characters_only_where_the_encoding_has_them(encoding, blocks):
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    assert can_draw_blocks(stream) is blocks
    assert ListStyle.for_stream(stream, "never").blocks is blocks


def test_no_encoding_or_an_unknown_one_draws_ascii():
    assert can_draw_blocks(None) is False
    assert can_draw_blocks(io.StringIO()) is False  # StringIO has encoding None

    class Odd(io.StringIO):
        encoding = "no-such-codec"  # type: ignore[assignment]

    assert can_draw_blocks(Odd()) is False


def test_an_ascii_terminal_gets_ascii_bars(progress):
    lines = commands.overview("en", style=ListStyle(blocks=False)).out
    assert re.search(r"  ##\.{8} +3/14  failing", _row(lines, 2))
    assert not any("█" in line or "░" in line for line in lines)


# --- alignment -------------------------------------------------------------------------------------------


def _bar_columns(lines: list[str], numbers: list[int], after: str | None = None) -> set[int]:
    """The terminal column where each row's bar starts."""
    found = set()
    for number in numbers:
        row = ANSI.sub("", _row(lines, number, after))
        start = min(index for index in (row.find("█"), row.find("░")) if index >= 0)
        found.add(columns(row[:start]))
    return found


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_columns_line_up_with_wide_characters(progress, lang):
    wide = progress / "exercises" / "ex06_数値微分のノート.py"
    (progress / "exercises" / "ex06_numerical_gradient.py").rename(wide)
    _result(progress, 7, ["passed", "failed"], file="exercises/ex07_レイヤ.ipynb")
    lines = commands.overview(lang, style=ListStyle(colour=True, blocks=True)).out
    assert "ex06_数値微分のノート.py" in _row(lines, 6)
    assert len(_bar_columns(lines, list(EXERCISES))) == 1
    assert len(_bar_columns(lines, [1, 2, 3], QUIZ_HEADING[lang])) == 1


def test_columns_and_width_helpers():
    assert columns("abc") == 3
    assert columns("確認テスト") == 10
    assert columns("e\u0301") == 1  # a combining accent takes no column
    assert shorten("short", 10) == "short"
    assert shorten("確認テストの一覧です", 9) == "確認テ..."
    assert shorten("確認テストの一覧です", 8) == "確認..."  # a wide character never straddles the limit
    assert columns(shorten("a" * 80, 56)) == 56


# --- damaged and hostile state files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"{ half a fi", b"[1, 2]", b'{"checks": "all passed"}', b"\xff\xfe\x00garbage", b"", b"1" * 5000],
    ids=["truncated", "a-list", "checks-not-a-list", "binary", "empty", "huge-number"],
)
def test_a_damaged_result_file_is_named_and_reads_as_not_attempted(workspace, content):
    folder = workspace / ".grade" / "results"
    folder.mkdir(parents=True)
    (folder / "ex02.json").write_bytes(content)
    result = _grade_list("--lang", "en")
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    assert _row(result.stdout.splitlines(), 2).endswith("not attempted")
    assert result.stderr == (
        "grade: .grade/results/ex02.json can not be read (damaged or edited); exercise 2 shows as "
        "not attempted until it is graded again: grade exercise 2\n"
    )
    japanese = _grade_list("--lang", "ja")
    assert "grade: .grade/results/ex02.json を読めません" in japanese.stderr
    assert "課題 2 は再び採点するまで未着手と表示します" in japanese.stderr


def test_a_folder_or_a_link_in_place_of_a_result_file_is_named(workspace):
    folder = workspace / ".grade" / "results"
    (folder / "ex03.json").mkdir(parents=True)
    os.symlink(workspace / "exercises" / "ex01_activations.py", folder / "ex01.json")
    result = _grade_list("--lang", "en")
    assert result.exit_code == 0
    assert "ex01.json can not be read" in result.stderr
    assert "ex03.json can not be read" in result.stderr


def test_a_damaged_quiz_attempt_is_named_and_left_out(workspace):
    folder = workspace / ".grade" / "quiz-attempts"
    folder.mkdir(parents=True)
    (folder / "01-en-20260101T100000000000.json").write_text("{ half", encoding="utf-8")
    (folder / "notes.json").write_text("not mine", encoding="utf-8")  # not an attempt's name: not ours to judge
    result = _grade_list("--lang", "en")
    assert result.exit_code == 0
    assert result.stderr == (
        "grade: .grade/quiz-attempts/01-en-20260101T100000000000.json can not be read (damaged or edited); "
        "it is left out of the best scores. Move it away to silence this line\n"
    )
    assert "notes.json" not in result.output
    assert _row(result.stdout.splitlines(), 1, QUIZ_HEADING["en"].strip()).endswith("not taken yet")


def test_a_hostile_file_name_in_a_result_file_can_not_drive_the_terminal(workspace):
    _result(workspace, 1, ["passed"])
    record_path = workspace / ".grade" / "results" / "ex01.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["file"] = "\x1b]0;owned\x07\x1b[2J" + "x" * 300 + "_ex01.py"
    record_path.write_text(json.dumps(record), encoding="utf-8")
    lines = commands.overview("en", style=ListStyle(blocks=True)).out
    row = _row(lines, 1)
    assert "\x1b" not in row
    assert "\x07" not in row
    assert "...xxx" in row  # cut to its end, where the file's own name is
    assert row.endswith("passed")
    assert len(_bar_columns(lines, list(EXERCISES))) == 1


def test_shown_name_escapes_and_keeps_the_end():
    assert shown_name("ex01.py") == "ex01.py"
    assert shown_name("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    long = shown_name("notes/" + "週" * 40 + "/ex02_softmax.ipynb")
    assert long.startswith("...")
    assert long.endswith("/ex02_softmax.ipynb")
    assert columns(long) <= 40


# --- room for the review's "due" line ---------------------------------------------------------------------


def test_extra_lines_end_the_listing(workspace, monkeypatch):
    assert extra_lines("en", workspace) == ["", "review: nothing scheduled yet (grade review --new 10)"]
    assert commands.overview("en").out[-2:] == extra_lines("en", workspace)
    monkeypatch.setattr(commands, "extra_lines", lambda lang, folder: [f"due today: 3 ({lang}, {folder.name})"])
    assert commands.overview("en").out[-1] == "due today: 3 (en, ws)"


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False), ({}, False)],
)
def test_grade_exercise_colours_by_the_same_rule_as_grade_list(tmp_path, monkeypatch, env, coloured):
    """``grade exercise`` respects NO_COLOR and FORCE_COLOR too (CliRunner's stdout is no terminal)."""
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    source = Path(__file__).resolve().parents[2] / "solutions" / "ex01_activations.py"
    shutil.copy(source, tmp_path / "ex01_activations.py")
    result = CliRunner().invoke(main, ["exercise", "1", "--file", str(tmp_path / "ex01_activations.py")])
    assert result.exit_code == 0, result.output
    assert bool(ANSI.search(result.output)) is coloured
