"""Under ``--lang ja`` a check's name and input description hold no English words.

Code stays as it is: identifiers of the exercises' contract (function, class,
argument and attribute names from ``exercises/`` and ``reference/``), calls,
assignments, shapes, numbers, dtype names and formula symbols.  Everything else
that is an ASCII word is English prose a Japanese learner should not meet.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import EXERCISES, Check
from grader.text import Text

ROOT = Path(__file__).resolve().parents[2]

# a word not glued to a preceding word or dot, nor followed by a call, index, attribute or assignment
WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z]+)?(?![\w(\[.]|\s*=(?!=))")
# names of NumPy and of mathematics, proper nouns and acronyms used as such in Japanese texts
VOCABULARY = {
    *("True", "False", "None", "lambda", "float", "int", "bool", "inf", "nan", "NaN"),
    *("exp", "log", "sin", "cos", "tanh", "sqrt", "norm", "seed"),
    *("NumPy", "PyTorch", "Iris", "ReLU", "ID", "one-hot", "cm", "Transformer"),
}
# short English words a formula symbol must not be mistaken for
PROSE = {"in", "of", "or", "is", "to", "at", "on", "by", "as", "if", "an", "and", "the", "shape", "random", "every"}


@cache
def contract_names() -> frozenset[str]:
    """Function, class, argument and attribute names of the exercises and the reference."""
    names: set[str] = set()
    for path in [*(ROOT / "exercises").glob("*.py"), *(ROOT / "reference").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return frozenset(names - PROSE)


def _is_code(word: str) -> bool:
    if word in PROSE:
        return False
    if word in VOCABULARY or word in contract_names() or re.search(r"[_\d]", word):
        return True
    if len(word) <= 2:  # a symbol: N, dk, Tq, hs
        return True
    # a gradient is d followed by what it is the gradient of: dx, dWx, dgamma, dxs
    return word.startswith("d") and _is_code(word[1:])


def english_words(text: str) -> list[str]:
    """The ASCII words of ``text`` that are not code, symbols or accepted names."""
    return [word for word in WORD.findall(text) if not _is_code(word)]


def _japanese(text: str | Text) -> str:
    return text("ja") if isinstance(text, Text) else text


def test_english_prose_is_found_and_code_is_not() -> None:
    assert english_words("d = one_hot([3, 0], 4)、y: (5, 4) float64, softmax rows, every y >= 0.05") == [
        "rows",
        "every",
    ]
    assert english_words("x (2, 3, 5, 7), filter 3x2, stride 1, pad 0: stride and pad left out") == [
        "filter",
        "and",
        "left",
    ]
    assert english_words("u2 = z1 @ W2 + b2 in [1000.3, 1002.3]") == ["in"]
    assert english_words("x shape (3, 4) float64") == ["shape"]
    code = "BatchNormalization(gamma, beta).forward(x)、momentum・train_flg は既定値、dout (2, Tq, dv)、dWx、seed = 3"
    assert english_words(code) == []


@pytest.mark.parametrize("number", sorted(EXERCISES))
def test_check_names_and_inputs_are_japanese_under_lang_ja(number: int) -> None:
    checks: list[Check] = EXERCISES[number].build_checks()
    found = [
        f"{check.name}: {english_words(text)} in {text!r}"
        for check in checks
        for text in (check.name_ja, _japanese(check.context))
        if english_words(text)
    ]
    assert not found, "\n".join(found)


def _submission(tmp_path: Path, corpus_file: str) -> Path:
    """A solution with one corpus bug in it, and the earlier exercises beside it, as in a workspace."""
    bug = ROOT / "tests" / "submissions" / corpus_file
    module = EXERCISES[int(bug.parent.name[2:])].module
    solution = (ROOT / "solutions" / f"{module}.py").read_text(encoding="utf-8")
    target = tmp_path / f"{module}.py"
    target.write_text(solution + "\n\n" + bug.read_text(encoding="utf-8"), encoding="utf-8")
    for earlier in (ROOT / "solutions").glob("ex*.py"):
        if earlier.name != target.name:
            (tmp_path / earlier.name).write_text(earlier.read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("corpus_file", "shown"),
    [
        ("ex02/bug_cross_entropy_sum.py", "各行はソフトマックスの出力で、すべての y >= 0.05"),
        ("ex03/bug_backward_bias_mean.py", "b1 で x @ W1 の 30 個の要素のうち"),
        ("ex05/bug_im2col_forgets_stride.py", "フィルター 3x3、stride 2、pad 1"),
        ("ex13/bug_block_backward_no_relu_mask.py", "dout はランダム"),
    ],
)
def test_failing_submission_graded_in_japanese_has_no_english_prose(
    corpus_file: str, shown: str, tmp_path: Path
) -> None:
    file = _submission(tmp_path, corpus_file)
    number = corpus_file[2:4].lstrip("0")
    result = CliRunner().invoke(main, ["exercise", number, "--file", str(file), "--lang", "ja"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip() and str(file) not in line]
    inputs = [line for line in lines if line.strip().startswith("入力:")]
    assert any(shown in line for line in inputs), result.output
    assert sum(line.startswith("FAIL ") for line in lines) >= 1
    # the status word and the command to re-run are the same in both languages
    said = [re.sub(r"^(PASS|FAIL) |再実行: grade exercise \d+", "", line) for line in lines]
    assert [line for line in said if english_words(line)] == []
