"""Every checked function and class has a ladder of three hints, from a nudge to the near-answer.

The ladders are the Markdown files hints/<lang>/NN-topic.md; the loader refuses a
file that breaks the rules of hints/README.md, naming the file, the line and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.course import contract_names
from grader.errors import HintError
from grader.grading import hints
from grader.grading.engine import EXERCISES
from grader.grading.hints import LEVELS, MAX_HINT_BYTES, hint_file, hint_ladders
from grader.text import Text

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # hiragana, katakana, kanji
KANA = re.compile(r"[\u3040-\u30ff]")
CODE = ("np.", "=", "(")
MAX_SKETCH_LINES = 6  # the near-answer is a sketch, not the whole solution


def _hints(number: int) -> dict[str, tuple[Text, ...]]:
    return hint_ladders(number)


LADDERS = [
    pytest.param(number, name, id=f"ex{number:02d}-{name}") for number in sorted(EXERCISES) for name in _hints(number)
]


@pytest.mark.parametrize("number", sorted(EXERCISES), ids=lambda number: f"ex{number:02d}")
def test_hints_cover_exactly_the_checked_functions_and_classes(number):
    targets = {check.target for check in EXERCISES[number].build_checks()}
    assert set(_hints(number)) == targets


def test_every_hint_file_belongs_to_an_exercise():
    expected = {hint_file(number, lang) for number in EXERCISES for lang in ("en", "ja")}
    assert set((ROOT / "hints").glob("*/*")) == expected
    assert all(path.is_relative_to(ROOT / "hints") for path in expected)


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_a_ladder_is_three_bilingual_texts(number, name):
    ladder = _hints(number)[name]
    assert isinstance(ladder, tuple)
    assert len(ladder) == 3
    for level, text in enumerate(ladder, start=1):
        assert isinstance(text, Text), f"level {level}"
        assert text.en.strip(), f"level {level}: empty English"
        assert text.ja.strip(), f"level {level}: empty Japanese"
        assert JAPANESE.search(text.ja), f"level {level}: the Japanese text has no Japanese in it"
        assert not KANA.search(text.en), f"level {level}: the English text has kana in it"


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_the_three_levels_differ(number, name):
    ladder = _hints(number)[name]
    assert len({text.en for text in ladder}) == 3
    assert len({text.ja for text in ladder}) == 3


@pytest.mark.parametrize(("number", "name"), LADDERS)
def test_the_near_answer_is_a_short_code_sketch(number, name):
    near_answer = _hints(number)[name][2]
    for text in (near_answer.en, near_answer.ja):
        assert any(marker in text for marker in CODE), text
        code_lines = [line for line in text.splitlines() if line.startswith("    ")]
        assert 1 <= len(code_lines) <= MAX_SKETCH_LINES, text


# --- the loader ---------------------------------------------------------------------------------------------

RELU = """# exercise 1

## relu

### nudge
ReLU keeps positive values.

### approach
np.maximum compares elementwise.

### near-answer
One call:
    return np.maximum(..., x)
"""
RELU_JA = RELU.replace("ReLU keeps positive values.", "ReLU は正の値を残します。")


def write(root: Path, en: str | bytes, ja: str | bytes) -> Path:
    for lang, text in (("en", en), ("ja", ja)):
        path = root / lang / "01-activations.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def test_a_file_gives_its_levels_verbatim(tmp_path):
    root = write(tmp_path, RELU.replace("\n", "\r\n"), "\ufeff" + RELU_JA.replace("elementwise.", "elementwise.   "))
    (levels,) = hint_ladders(1, root).values()
    assert [text.en for text in levels] == [
        "ReLU keeps positive values.",
        "np.maximum compares elementwise.",
        "One call:\n    return np.maximum(..., x)",
    ]
    assert levels[0].ja == "ReLU は正の値を残します。"
    assert levels[1].ja == levels[1].en  # trailing spaces dropped, CRLF and a BOM read as nothing
    assert list(hint_ladders(1, root)) == ["relu"]


def test_a_ladder_may_stop_before_the_near_answer_and_blank_lines_inside_a_level_stay(tmp_path):
    two = RELU.split("### near-answer")[0].replace("positive values.", "positive values.\n\n    x = 1\n\n")
    root = write(tmp_path, two, two)
    (levels,) = hint_ladders(1, root).values()
    assert [text.en for text in levels] == [
        "ReLU keeps positive values.\n\n    x = 1",
        "np.maximum compares elementwise.",
    ]


def test_the_files_are_read_once_per_process(tmp_path):
    root = write(tmp_path, RELU, RELU_JA)
    first = hint_ladders(1, root)
    (root / "en" / "01-activations.md").write_text("## not read again", encoding="utf-8")
    assert hint_ladders(1, root) == first
    first.clear()  # what a caller does with its dict does not reach the cache
    assert hint_ladders(1, root) != {}


def test_the_readme_example_is_a_valid_hint_file(tmp_path):
    readme = (ROOT / "hints" / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```markdown\n(.*?)```", readme, flags=re.DOTALL)
    assert list(hint_ladders(1, write(tmp_path, example, example))) == ["step_function"]


def bad(problem: str, en: str | bytes = RELU, ja: str | bytes = RELU_JA, *, lang: str, line: int, says: str):
    return pytest.param(en, ja, lang, line, says, id=problem)


SIGMOID = "\n## sigmoid\n\n### nudge\nThe trap is overflow.\n"
BAD = [
    bad("unknown name", RELU.replace("## relu", "## ReLU"), lang="en", line=3, says="ReLU is not a function or class"),
    bad("name of another exercise", ja=RELU_JA.replace("## relu", "## softmax"), lang="ja", line=3, says="exercise 1"),
    bad("empty heading", RELU.replace("## relu", "##"), lang="en", line=3, says="an empty heading is not"),
    bad(
        "duplicate name",
        RELU + RELU[RELU.index("## relu") :],
        lang="en",
        line=14,
        says="## relu appears twice (first at line 3)",
    ),
    bad(
        "empty level",
        RELU.replace("ReLU keeps positive values.", "   "),
        lang="en",
        line=5,
        says="nudge of relu is empty",
    ),
    bad(
        "empty near-answer",
        RELU.split("One call")[0],
        RELU_JA.split("One call")[0],
        lang="en",
        line=11,
        says="near-answer of relu is empty",
    ),
    bad("no levels", "## relu\n\n", "## relu\n", lang="en", line=1, says="relu has no levels"),
    bad(
        "levels out of order",
        RELU.replace("### approach", "### near-answer"),
        lang="en",
        line=8,
        says="### near-answer where relu needs ### approach",
    ),
    bad("unknown level", ja=RELU_JA.replace("### nudge", "### ヒント"), lang="ja", line=5, says="### ヒント where"),
    bad("fourth level", RELU + "\n### nudge\nmore\n", lang="en", line=15, says="a level after ### near-answer"),
    bad(
        "text before the first level",
        RELU.replace("## relu\n", "## relu\nsome text\n"),
        lang="en",
        line=4,
        says="text under ## relu before its first level",
    ),
    bad("level before any name", "### nudge\ntext\n", lang="en", line=1, says="a ### heading before the first ##"),
    bad("h4 in a ladder", ja=RELU_JA + "#### more\n", lang="ja", line=14, says="a #### heading in a ladder"),
    bad("title after a name", RELU + "# another title\n", lang="en", line=14, says="a # heading in a ladder"),
    bad("name missing in Japanese", RELU + SIGMOID, lang="en", line=15, says="sigmoid has a ladder here and none in "),
    bad("name missing in English", ja=RELU_JA + SIGMOID, lang="ja", line=15, says="add ## sigmoid there"),
    bad(
        "fewer levels in Japanese",
        ja=RELU_JA.split("### near-answer")[0],
        lang="ja",
        line=3,
        says="relu has 2 levels here and 3 in ",
    ),
    bad(
        "not UTF-8",
        ja=b"## relu\n\n### nudge\n" + "ヒント".encode("shift_jis"),
        lang="ja",
        line=4,
        says="the file is not UTF-8; save it as UTF-8",
    ),
    bad("control character", RELU.replace("One call", "One \x1b[2Jcall"), lang="en", line=12, says="U+001B"),
    bad("carriage return alone", RELU.replace("\n", "\r"), lang="en", line=1, says="U+000D"),
    bad("oversized", RELU + "\n" * MAX_HINT_BYTES, lang="en", line=1, says=f"larger than {MAX_HINT_BYTES // 1024} KiB"),
]


@pytest.mark.parametrize(("en", "ja", "lang", "line", "says"), BAD)
def test_a_broken_file_is_refused_with_its_file_line_and_fix(tmp_path, en, ja, lang, line, says):
    root = write(tmp_path, en, ja)
    with pytest.raises(HintError) as refused:
        hint_ladders(1, root)
    error = refused.value
    assert error.path == root / lang / "01-activations.md"
    assert error.line == line
    assert says in str(error)
    assert str(error).startswith(f"{error.path}:{line}: ")  # tmp_path lies outside the working directory
    assert error.fix
    assert error.fix in str(error)


def test_a_missing_file_or_folder_is_refused(tmp_path):
    write(tmp_path, RELU, RELU_JA)
    (tmp_path / "ja" / "01-activations.md").unlink()
    with pytest.raises(HintError, match=r"ja/01-activations.md:1: the file is missing: no hints in Japanese; create"):
        hint_ladders(1, tmp_path)
    (tmp_path / "ja" / "01-activations.md").mkdir()
    with pytest.raises(HintError, match="this is not a regular file"):
        hint_ladders(1, tmp_path)


def test_the_names_a_file_may_hold_are_the_stubs_definitions():
    assert contract_names(1) == ("step_function", "sigmoid", "relu", "identity_function", "forward")
    assert contract_names(7) == ("Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout", "BatchNormalization")
    assert hint_file(2, "ja").relative_to(hints.hints_root()).as_posix() == "ja/02-softmax-loss.md"
    assert LEVELS == ("nudge", "approach", "near-answer")
