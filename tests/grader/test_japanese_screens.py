"""One language per screen (issue 16): no English prose under ``--lang ja``, no Japanese under ``--lang en``.

The check descriptions are covered by ``test_japanese_check_text.py``; this
module covers every other screen a learner meets: ``grade init``, ``list``,
``hint``, ``quiz`` (terminal and HTML page), the workspace README, the hint
files, the not-recorded note and the usage errors.  What stays English on a
Japanese screen is what a learner types or reads as code: commands and
options, file names and paths, code spans and math, identifiers, Python's own
exception names and tracebacks, the status words PASS/FAIL/TODO, acronyms and
the proper names of methods and tools.
"""

from __future__ import annotations

import keyword
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.grader.test_japanese_check_text import english_words

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff60]")

# names of methods, models and tools that Japanese texts write in Latin letters
NAMES = {
    *("Python", "IPython", "Jupyter", "Colab", "Notebook", "Moodle", "Gradescope", "Unicode", "TeX", "LaTeX"),
    *("Affine", "Softmax", "Attention", "Embedding", "Negative", "Sampling", "Dropout", "Momentum", "AdaGrad"),
    *("Adam", "RMSprop", "Xavier", "He", "Leitner", "Ctrl-C", "Enter", "MiB", "KB"),
    *("Max", "Inverted", "in-place", "docstring"),
    *("Tab", "Space", "JavaScript", "English", "json"),
}
# NumPy's functions and array methods, written as code in a formula: reshape, argmax, dtype
NUMPY_NAMES = {name for name in {*dir(np), *dir(np.ndarray)} if not name.startswith("_")}
# what a learner types or reads as code; removed before looking for prose
CODE = [
    re.compile(r"```.*?```", re.S),  # a code block
    re.compile(r"`[^`]*`"),  # a code span
    re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S),  # math
    re.compile(r"\bgrade(?: +(?:[\w.,:/*<>\[\]|-]+|'[^']*'))*"),  # a command line: grade quiz 3 --review
    re.compile(r"(?<![\w-])--?[a-z][\w-]*"),  # an option
    re.compile(r"[\w.~*-]*/[\w./*~-]*|\b[\w*-]+\.(?:py|ipynb|md|html|csv|sqlite|json|zip)\b"),  # a path or file
    re.compile(r"\{\w+\}"),  # a placeholder filled in later
    re.compile(r"\[[^\]\u3000-\u9fff]*\]"),  # a subscript or a list: grads[key], [OPTIONS]
    re.compile(
        r"(?<=[\u30a0-\u30ff\u4e00-\u9fff])（[A-Za-z]+(?: [A-Za-z]+){0,2}）"
    ),  # a term's English name: 荷重減衰（Weight decay）
    re.compile(r"\b(?:PASS|FAIL|TODO)\b"),  # status words, the same in both languages
    re.compile(r"\b[A-Z][A-Z0-9]+\b"),  # acronyms and placeholders: CNN, DIR, N
    re.compile(r"^\s*[A-Z]\w*(?:Error|Exception):.*"),  # the last line of a traceback: Python's own message
    re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b"),  # an exception's name
    re.compile(r'^\s*File ".*'),  # a traceback line
    re.compile(r"\b[A-Z][a-z]+[A-Z]\w*"),  # a model's or tool's name: ResNet, AlexNet, PyTorch
    re.compile(r"\b[a-z]-[a-z]\b"),  # a range of answer letters: a-d
]


def japanese_screen_prose(text: str, code_names: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The English prose words left in ``text`` once code, commands, paths and names are taken out.

    ``code_names`` are names the text's own code uses (a hint's variables).
    """
    allowed = NAMES | NUMPY_NAMES | code_names
    found = []
    for line in text.splitlines():
        for pattern in CODE:
            line = pattern.sub(" ", line)
        found += [word for word in english_words(line) if word not in allowed and word not in keyword.kwlist]
    return found


def test_the_detector_finds_prose_and_leaves_code() -> None:
    assert japanese_screen_prose("Error: there is no exercise 99 (see: grade list)") == [
        "Error",
        "there",
        "exercise",
        "see",
    ]
    assert japanese_screen_prose("エラー: 課題 99 はありません(一覧: grade list)") == []
    code = 'FAIL  bad.py を読めません\n  File "bad.py", line 1\nSyntaxError: invalid syntax\n`python x.py` を実行'
    assert japanese_screen_prose(code) == []
    assert japanese_screen_prose("--warm-up を付けて exercises/ex01_*.py を CNN で") == []
    assert japanese_screen_prose("次に --warm-up を付けたとき, please wait") == ["please", "wait"]


def stray_japanese(line: str) -> bool:
    """Whether an English line holds Japanese other than E資格 (the exam's name) and 日本語 (a language's name)."""
    return bool(JAPANESE.search(line.replace("E資格", "").replace("日本語", "")))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace made by ``grade init``, as the current folder."""
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def _screen(args: list[str], lang: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--lang", lang], input=stdin, prog_name="grade")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


SCREENS = {
    "init": (["init", "ws2"], 0),
    "init into a file": (["init", "README.md"], 2),
    "list": (["list"], 0),
    "hint": (["hint", "3"], 0),
    "hint, unknown exercise": (["hint", "99"], 2),
    "exercise, unknown exercise": (["exercise", "99"], 2),
    "exercise, missing file": (["exercise", "1", "--file", "missing.py"], 2),
    "exercise, broken file and the not-recorded note": (["exercise", "1", "--file", "broken.py"], 1),
    "watch, unknown exercise": (["watch", "99"], 2),
    "quiz, unknown quiz": (["quiz", "99"], 2),
    "quiz, no number": (["quiz"], 2),
    "quiz, site": (["quiz", "1", "--site", "site1"], 0),
    "quiz, two outputs": (["quiz", "1", "--html", "a.html", "--site", "site"], 2),
    "quiz, review before any attempt": (["quiz", "1", "--review"], 0),
    "quiz, stopped at once": (["quiz", "1", "--seed", "1"], 1),
    "review, nothing due": (["review"], 0),
    "review, new questions, stopped": (["review", "--new", "2", "--seed", "1"], 1),
    "review, limit out of range": (["review", "--limit", "0"], 2),
    "solution before a pass": (["solution", "1"], 1),
    "solution, unknown exercise": (["solution", "99"], 2),
    "exam, abandoned": (["exam", "--questions", "3", "--minutes", "5", "--seed", "1"], 1),
    "exam, no history yet": (["exam", "--history"], 0),
    "exam, history with html": (["exam", "--history", "--html", "x.html"], 2),
    "warm-up with json": (["exercise", "1", "--warm-up", "--format", "json"], 2),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_japanese_screen_holds_no_english_prose(screen: str, workspace: Path) -> None:
    (workspace / "broken.py").write_text("def sigmoid(x:\n", encoding="utf-8")
    args, status = SCREENS[screen]
    code, output = _screen(args, "ja", stdin="q\ny\n")
    assert code == status, output
    assert JAPANESE.search(output), output
    assert japanese_screen_prose(output) == [], output


@pytest.mark.parametrize("screen", SCREENS)
def test_an_english_screen_holds_no_japanese(screen: str, workspace: Path) -> None:
    (workspace / "broken.py").write_text("def sigmoid(x:\n", encoding="utf-8")
    args, status = SCREENS[screen]
    code, output = _screen(args, "en", stdin="q\ny\n")
    assert code == status, output
    assert [line for line in output.splitlines() if stray_japanese(line)] == [], output


def test_outside_a_workspace_the_errors_are_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["exercise", "1"], ["hint", "1"], ["list"]):
        _, output = _screen(args, "ja")
        assert "exercises/" in output, output
        assert japanese_screen_prose(output) == [], output


def test_a_usage_error_in_japanese_is_framed_in_japanese(workspace: Path) -> None:
    code, output = _screen(["exercise", "99"], "ja")
    assert code == 2
    assert (
        output.splitlines()[-1]
        == "エラー: 課題 99 はありません。課題は 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 です(一覧: grade list)"
    )
    assert "使い方:" in output
    assert "Usage:" not in output
    assert "Try " not in output
    code, output = _screen(["exercise", "99"], "en")
    assert "Usage:" in output
    assert output.splitlines()[-1].startswith("Error: there is no exercise 99")


class _VisibleText(HTMLParser):
    """The text a reader sees: not scripts, styles, code or math, nor attributes."""

    HIDDEN = {"script", "style", "code", "pre", "math", "annotation", "noscript"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in self.HIDDEN

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of a page, one line per text node."""
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def test_the_quiz_page_frame_in_japanese_holds_no_english(workspace: Path) -> None:
    code, output = _screen(["quiz", "1", "--html", "quiz1.html"], "ja")
    assert code == 0, output
    shown = visible_text((workspace / "quiz1.html").read_text(encoding="utf-8"))
    assert "答え合わせ" in shown
    # the questions are course text (quizzes/ja, their own test); here the page's own words
    from grader.quiz.page import INDEX_UI, SCRIPT_TEXT, UI

    frame = "\n".join(text("ja") for table in (UI, SCRIPT_TEXT, INDEX_UI) for text in table.values())
    assert japanese_screen_prose(frame) == []
    assert 'lang="ja"' in (workspace / "quiz1.html").read_text(encoding="utf-8")


def _prose_of_markdown(text: str) -> tuple[str, set[str]]:
    """A markdown file's prose, and the names its code uses.

    Headings (``## name`` names a function), comments and indented code are
    left out; the names of the code may appear in the prose as code.
    """
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    lines = text.splitlines()
    code = [line.split("#")[0] for line in lines if line.startswith("    ")]
    prose = [line for line in lines if not line.startswith(("#", "    "))]
    return "\n".join(prose), set(re.findall(r"[A-Za-z_]\w*", "\n".join(code)))


@pytest.mark.parametrize("path", sorted((ROOT / "hints" / "ja").glob("*.md")), ids=lambda path: path.name)
def test_a_japanese_hint_file_holds_no_english_prose(path: Path) -> None:
    prose, code_names = _prose_of_markdown(path.read_text(encoding="utf-8"))
    assert japanese_screen_prose(prose, code_names) == []


def test_the_workspace_readme_has_a_japanese_half_without_english_prose() -> None:
    readme = (ROOT / "grader" / "templates" / "workspace-README.md").read_text(encoding="utf-8")
    start = next(i for i, line in enumerate(readme.splitlines()) if line.startswith("#") and stray_japanese(line))
    japanese_half = "\n".join(readme.splitlines()[start:])
    assert japanese_screen_prose(*_prose_of_markdown(japanese_half)) == []
    english_half = "\n".join(readme.splitlines()[:start])
    assert [line for line in english_half.splitlines() if stray_japanese(line)] == []


def test_the_notebook_helper_says_its_usage_errors_in_the_language_asked() -> None:
    from grader.errors import UsageError
    from grader.notebook.kernel import check

    with pytest.raises(UsageError, match=r"^課題 99 はありません。課題は 1, 2, .* です\(一覧: grade list\)$"):
        check(99, lang="ja")
    with pytest.raises(UsageError, match=r"^there is no exercise 99; "):
        check(99, lang="en")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["exercise", "x"], "エラー: N の値 'x' は整数ではありません"),
        (["exercise", "1", "--timeout", "abc"], "エラー: --timeout の値 'abc' は数値ではありません"),
        (["exercise", "1", "--timeout", "10000"], "エラー: --timeout の値 10000.0 は範囲 0.1<=x<=600 の外です"),
        (["exercise", "1", "--jobs", "many"], "エラー: --jobs の値 'many' は整数ではありません"),
        (["exercise", "1", "--bogus"], "エラー: --bogus というオプションはありません。--jobs のことですか?"),
        (
            ["exercise", "1", "--format", "yaml"],
            "エラー: --format の値 'yaml' は使えません。使える値: 'text', 'json', 'gradescope'",
        ),
        (["exercise", "1", "--file", "."], "エラー: --file の . はフォルダです。ファイルを指定してください"),
        (["exercise", "1", "2"], "エラー: 余分な引数があります: 2"),
        (["hint"], "エラー: 引数 N がありません"),
        (["quiz", "1", "--html"], "エラー: --html には値が必要です"),
        (
            ["exercis", "1"],
            "エラー: exercis というコマンドはありません。grade exercise のことですか? 一覧: grade --help",
        ),
        (["frobnicate"], "エラー: frobnicate というコマンドはありません。一覧: grade --help"),
    ],
)
def test_a_mistyped_command_line_is_answered_in_japanese(args: list[str], said: str, workspace: Path) -> None:
    for lang in (["--lang", "ja"], ["--lang=ja"], ["--lang", "en", "--lang", "ja"]):
        # --lang before the rest, so that an option left without its value is the last word
        result = CliRunner().invoke(main, [args[0], *lang, *args[1:]], prog_name="grade")
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1] == said
        assert "Usage:" not in result.output
    english = CliRunner().invoke(main, [*args, "--lang", "en"], prog_name="grade")
    assert english.exit_code == 2
    assert english.output.splitlines()[-1].startswith("Error: ")


def test_a_click_message_without_a_translation_stays_whole() -> None:
    from grader.cli import _click_message_ja

    assert _click_message_ja("Something click says one day.") is None
    assert (
        _click_message_ja("No such option '--x'. Did you mean '--y'?")
        == "--x というオプションはありません。--y のことですか?"
    )


def _english_halves() -> list[str]:
    """``file:line: text`` of the English half of every ``Text(en, ja)`` and ``UsageError(en, ja)`` in grader/."""
    import ast

    found = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and len(node.args) == 2):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name == "Text" or (name.endswith("Error") and name != "_JapaneseUsageError"):
                english = " ".join(
                    part.value
                    for part in ast.walk(node.args[0])
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                )
                found.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: {english}")
    return found


def test_the_english_half_of_every_message_holds_no_japanese() -> None:
    halves = _english_halves()
    assert len(halves) > 100
    assert [half for half in halves if stray_japanese(half.split(": ", 1)[1])] == []


@pytest.mark.parametrize("folder", ["hints/en", "quizzes/en"])
def test_english_course_text_holds_no_japanese(folder: str) -> None:
    stray = [
        f"{path.name}:{number}: {line}"
        for path in sorted((ROOT / folder).glob("*.md"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if stray_japanese(line)
    ]
    assert stray == []
