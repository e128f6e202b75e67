"""LaTeX to MathML: every formula of the bank converts; unknown commands and bad math fail."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grader.errors import MathError
from grader.mathml import find_math, to_mathml
from grader.quiz import load_bank

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def _bank_formulas() -> list[tuple[str, bool]]:
    quizzes, errors = load_bank()
    assert not errors
    found = set()
    for quiz in quizzes.values():
        for question in quiz.questions:
            texts = [question.title, question.body, question.explanation, *(option.text for option in question.options)]
            for text in texts:
                found.update((span.tex, span.display) for span in find_math(text))
    return sorted(found)


FORMULAS = _bank_formulas()


def test_the_bank_has_formulas_to_convert():
    assert len(FORMULAS) > 300


def test_every_formula_of_the_bank_converts_to_well_formed_mathml():
    for tex, display in FORMULAS:
        mathml = to_mathml(tex, display=display)
        root = ET.fromstring(mathml)  # named HTML entities would fail here
        assert root.tag == f"{MATHML}math", tex
        assert "\\" not in mathml, tex
        assert len(root) > 0, tex


def test_display_math_is_a_block():
    assert 'display="block"' in to_mathml(r"\frac{1}{2}", display=True)
    assert 'display="block"' not in to_mathml(r"\frac{1}{2}")


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        pytest.param(r"\sigma(x)", "σ", id="greek letter"),
        pytest.param(r"\frac{1}{1 + \exp(-x)}", "<mfrac>", id="fraction"),
        pytest.param(r"\sqrt{h}", "<msqrt>", id="root"),
        pytest.param(r"\hat{m}", "<mover", id="accent"),
        pytest.param(r"x_i^2", "<msubsup>", id="sub and superscript"),
        pytest.param(r"\text{ReLU}(x)", "<mtext>ReLU</mtext>", id="text"),
        pytest.param(r"\tanh(x)", "tanh", id="function name"),
    ],
)
def test_conversion_produces_the_right_elements(tex, expected):
    assert expected in to_mathml(tex)


def test_named_entities_become_numeric_references():
    mathml = to_mathml(r"\exp(x)")
    assert "&ApplyFunction;" not in mathml
    ET.fromstring(mathml)


@pytest.mark.parametrize(
    ("tex", "problem", "fix"),
    [
        pytest.param(r"\farc{1}{2}", r"unknown command \farc", r"did you mean \frac?", id="typo of a command"),
        pytest.param(r"\sigmoid(x)", r"unknown command \sigmoid", "standard LaTeX", id="invented command"),
        pytest.param(r"\lamda", r"unknown command \lamda", r"did you mean \lambda?", id="misspelt letter"),
        pytest.param(r"\foo", r"unknown command \foo", "standard LaTeX", id="unknown with no close match"),
        pytest.param(r"\frac{1}{2", "does not parse", "fix the LaTeX", id="unclosed brace"),
        pytest.param(r"x^", "does not parse", "fix the LaTeX", id="missing superscript"),
        pytest.param(r"\left( x", "does not parse", "fix the LaTeX", id="left without right"),
        pytest.param(r"a }", "does not parse", "fix the LaTeX", id="stray closing brace"),
        pytest.param("50%", "TeX comment", r"\%", id="percent sign"),
        pytest.param("  ", "empty math", "remove the dollars", id="empty"),
    ],
)
def test_bad_math_fails_with_what_to_do(tex, problem, fix):
    with pytest.raises(MathError) as caught:
        to_mathml(tex)
    assert problem in caught.value.problem
    assert fix in caught.value.fix
    assert str(caught.value) == f"{caught.value.problem}; {caught.value.fix}"


def test_unknown_command_position_points_at_the_command():
    with pytest.raises(MathError) as caught:
        to_mathml(r"x + \farc{1}{2}")
    assert caught.value.position == 4


# --- the comparison behind the choice of converter ------------------------------------


def test_latex2mathml_would_print_the_backslash_of_an_unknown_command():
    """Why math-core and not latex2mathml: the latter lets typos through to the page."""
    converter = pytest.importorskip("latex2mathml.converter", reason="latex2mathml is only needed for this comparison")
    assert r"\farc" in converter.convert(r"\farc{1}{2}")
    with pytest.raises(MathError):
        to_mathml(r"\farc{1}{2}")


def test_latex2mathml_also_converts_the_bank():
    """Both converters handle the bank's formulas; only math-core rejects unknown commands."""
    converter = pytest.importorskip("latex2mathml.converter", reason="latex2mathml is only needed for this comparison")
    for tex, _ in FORMULAS:
        assert "\\" not in converter.convert(tex), tex


# --- finding the math in Markdown ---------------------------------------------------------


def test_find_math_inline_and_display():
    text = "Let $x$ be\n\n$$\n\\frac{1}{2}\n$$\n"
    spans = find_math(text)
    assert [(span.tex, span.display) for span in spans] == [("x", False), ("\n\\frac{1}{2}\n", True)]
    assert text[spans[0].start : spans[0].end] == "$x$"


def test_dollars_in_code_and_escaped_dollars_are_not_math():
    text = "Costs \\$5. `a = $b` and\n```\nx = $y\n```\nthen $z$"
    assert [span.tex for span in find_math(text)] == ["z"]


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        pytest.param("what is $2 + 2?", 8, "unbalanced $", id="never closed"),
        pytest.param("a $x\n\ny$", 2, "unbalanced $", id="closed only after a blank line"),
        pytest.param("$$\n\\frac{1}{2}\n", 0, "unbalanced $$", id="display never closed"),
        pytest.param("costs $ 5 and $", 6, "stray $", id="space after the dollar"),
    ],
)
def test_unbalanced_dollars_fail_at_the_opening_dollar(text, position, problem):
    with pytest.raises(MathError) as caught:
        find_math(text)
    assert caught.value.position == position
    assert problem in caught.value.problem
    assert "\\$" in caught.value.fix
