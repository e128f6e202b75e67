"""LaTeX to MathML: every formula of the bank converts; unknown commands and bad math fail."""

from __future__ import annotations

import resource
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.errors import MathError
from grader.quiz import mathml
from grader.quiz.bank import load_bank
from grader.quiz.mathml import (
    MAX_FORMULA_CHARS,
    MAX_NESTING,
    MAX_OPEN_FENCES,
    check_formula,
    find_math,
    formula_shape,
    to_mathml,
)

MATHML = "{http://www.w3.org/1998/Math/MathML}"
ROOT = Path(__file__).resolve().parents[2]


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


def test_find_math_is_linear_in_backticks_and_lines():
    """Many unclosed code spans of distinct lengths, and a formula over many lines, are one pass each."""
    backticks = "".join("`" * length + " x " for length in range(1, 400))
    assert find_math(backticks + "$y$") == [mathml.MathSpan(len(backticks), len(backticks) + 3, "y", False)]
    lines = "$x" + "\nx" * 20000 + "$"
    (span,) = find_math(lines)
    assert span.end == len(lines)


# --- formulas the converter can not be trusted with -----------------------------------------------
#
# math-core is native code: 6000 nested braces overflow its stack and kill the process (a segfault,
# not an exception), and opening brackets that are never closed cost time exponential in their number.
# Whatever could crash or hang runs in a child process, never in pytest's own.


def _python(code: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter whose main thread has an 8 MiB stack, as on a usual Linux or macOS."""

    def eight_mebibytes() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_STACK)
        wanted = 8 << 20
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))

    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=eight_mebibytes,
    )


# the opening and closing text of one level, and where in the opening the group starts
LEVELS = {
    "braces": ("{", "}", 0),
    "left-right": ("\\left(", "\\right)", 0),
    "superscripts": ("x^{", "}", 2),
    "environments": ("\\begin{matrix}", "\\end{matrix}", 0),
}


def nested(kind: str, levels: int) -> str:
    opening, closing, _ = LEVELS[kind]
    return opening * levels + "x" + closing * levels


def test_math_core_itself_crashes_on_6000_nested_braces():
    """Why the limit exists: the converter, called directly, takes the whole process down."""
    crash = _python(
        "import math_core, sys\n"
        "math_core.LatexToMathML(fancy_error=False).convert_with_local_state(sys.argv[1], displaystyle=False)\n"
        "print('converted')",
        nested("braces", 6000),
        timeout=120,
    )
    assert crash.returncode < 0, (crash.returncode, crash.stdout, crash.stderr[-500:])
    assert "converted" not in crash.stdout


def test_6000_nested_braces_are_a_math_error_not_a_crash():
    done = _python(
        "import sys\n"
        "from grader.errors import MathError\n"
        "from grader.quiz.mathml import to_mathml\n"
        "try:\n"
        "    to_mathml(sys.argv[1])\n"
        "except MathError as problem:\n"
        "    print('refused', problem.position, problem)\n",
        nested("braces", 6000),
        timeout=120,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])  # a crash is a negative signal number
    assert done.stdout.startswith("refused 2000 the formula ${{{"), done.stdout[:300]
    assert f"at most {MAX_FORMULA_CHARS} characters" in done.stdout


@pytest.fixture
def converter_calls(monkeypatch) -> list[str]:
    """What reaches the converter; anything longer than one token is refused before it can run."""
    real = mathml._converter()
    calls: list[str] = []

    class Recording:
        def convert_with_local_state(self, tex: str, displaystyle: bool) -> str:
            calls.append(tex)
            if len(tex) > 16:
                raise AssertionError(f"the converter was called with a {len(tex)}-character formula")
            return real.convert_with_local_state(tex, displaystyle=displaystyle)

    monkeypatch.setattr(mathml, "_shared_converter", Recording)
    mathml._fence_role.cache_clear()
    to_mathml.cache_clear()
    yield calls
    mathml._fence_role.cache_clear()
    to_mathml.cache_clear()


@pytest.mark.parametrize("kind", sorted(LEVELS))
def test_nesting_beyond_the_limit_never_reaches_the_converter(converter_calls, kind):
    tex = nested(kind, MAX_NESTING + 1)
    assert len(tex) <= MAX_FORMULA_CHARS
    with pytest.raises(MathError) as caught:
        to_mathml(tex)
    assert caught.value.problem.endswith(f"nests groups {MAX_NESTING + 1} deep"), caught.value.problem
    assert f"at most {MAX_NESTING} levels" in caught.value.fix
    opening, _, offset = LEVELS[kind]
    assert caught.value.position == len(opening) * MAX_NESTING + offset
    assert tex not in converter_calls
    assert all(len(call) <= 16 for call in converter_calls)


def test_the_nesting_limit_itself_converts():
    assert "<mi>x</mi>" in to_mathml("{" * MAX_NESTING + "x" + "}" * MAX_NESTING)
    assert formula_shape("{" * MAX_NESTING + "x" + "}" * MAX_NESTING).depth == MAX_NESTING


def test_the_length_limit_itself_converts():
    assert to_mathml("x" * MAX_FORMULA_CHARS).count("x") >= MAX_FORMULA_CHARS
    with pytest.raises(MathError, match="2001 characters long"):
        to_mathml("x" * (MAX_FORMULA_CHARS + 1))


def test_40_unclosed_brackets_are_refused_at_once_not_converted_for_an_hour():
    done = _python(
        "import sys\n"
        "from grader.errors import MathError\n"
        "from grader.quiz.mathml import to_mathml\n"
        "try:\n"
        "    to_mathml(sys.argv[1])\n"
        "except MathError as problem:\n"
        "    print('refused', problem.position, problem)\n",
        "(" * 40 + "x",
        timeout=60,  # the converter alone needs about an hour for this
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith(f"refused {MAX_OPEN_FENCES} $((((("), done.stdout
    assert "leaves 40 opening brackets unclosed; close them" in done.stdout


OPENERS = [
    "(",
    "[",
    "\\{",
    "\\lfloor ",
    "\\lceil ",
    "\\langle ",
    "\\lvert ",
    "\\lVert ",
    "⟨",
    "⌊",
    "\\bigl(",
    "\\bigl)",
]
NOT_CLOSERS = ["\\big)", "|", "\\|", "）"]  # they look like closing brackets, but the converter does not match them
CLOSERS = [")", "]", "\\}", "\\rfloor ", "\\rceil ", "\\rangle ", "\\rvert ", "\\rVert ", "⟩", "⌋", "\\bigr)"]


@pytest.mark.parametrize("opener", OPENERS)
def test_every_kind_of_opening_bracket_counts(opener):
    assert formula_shape(opener * (MAX_OPEN_FENCES + 1) + "x").unclosed == MAX_OPEN_FENCES + 1
    with pytest.raises(MathError, match="opening brackets unclosed"):
        check_formula(opener * (MAX_OPEN_FENCES + 1) + "x")
    check_formula(opener * MAX_OPEN_FENCES + "x")


@pytest.mark.parametrize("lookalike", NOT_CLOSERS)
def test_a_bracket_the_converter_does_not_match_closes_nothing(lookalike):
    assert formula_shape(f"(x{lookalike} " * 9).unclosed == 9


def test_braces_around_a_bracket_do_not_hide_it():
    # the converter takes {(} as a plain (: thirty of them took 34 s
    assert formula_shape("{(}" * 30).unclosed == 30
    assert formula_shape("(" * 30 + "x" + ")" * 30).unclosed == 0  # closed, however deep


def test_the_brackets_counted_as_closing_really_close_in_the_converter():
    """The model behind the limit, checked against math-core: 40 pairs per closer convert at once."""
    formulas = [f"(x{closer} " * 40 for closer in CLOSERS]
    assert all(formula_shape(tex).unclosed == 0 for tex in formulas)
    done = _python(
        "import sys, math_core\n"
        "converter = math_core.LatexToMathML(fancy_error=False)\n"
        "for tex in sys.argv[1:]:\n"
        "    converter.convert_with_local_state(tex, displaystyle=False)\n"
        "print('all converted')",
        *formulas,
        timeout=60,  # a closer the converter did not match would leave 40 brackets open: an hour
    )
    assert done.stdout.strip() == "all converted", done.stderr[-500:]


def test_the_densest_formulas_within_the_limits_convert_on_a_1_mib_stack():
    """Chains of commands without braces also recurse; the length limit keeps them shallow enough."""
    most = MAX_FORMULA_CHARS - 1
    dense = [
        "\\hat " * (most // 5) + "x",
        "\\frac a" * (most // 7) + "x",
        "\\sqrt " * (most // 6) + "x",
        "(" * (most // 2) + "x" + ")" * (most // 2),
        ")x" * (most // 2),
        "!x" * (most // 2),
        "{" * MAX_NESTING + "\\hat " * ((most - 2 * MAX_NESTING) // 5) + "x" + "}" * MAX_NESTING,
        "\\left(" * MAX_NESTING + "x" + "\\right)" * MAX_NESTING,
    ]
    for tex in dense:
        assert len(tex) <= MAX_FORMULA_CHARS
        check_formula(tex)
    done = _python(
        "import sys, threading\n"
        "from grader.quiz.mathml import to_mathml\n"
        "threading.stack_size(1 << 20)\n"
        "def convert():\n"
        "    for tex in sys.argv[1:]:\n"
        "        to_mathml(tex)\n"
        "    print('all converted')\n"
        "thread = threading.Thread(target=convert)\n"
        "thread.start()\n"
        "thread.join()",
        *dense,
        timeout=120,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "all converted"), done.stderr[-500:]


def test_the_bank_stays_far_below_every_limit():
    shapes = [formula_shape(tex) for tex, _ in FORMULAS]
    assert max(len(tex) for tex, _ in FORMULAS) * 10 <= MAX_FORMULA_CHARS
    assert max(shape.depth for shape in shapes) * 10 <= MAX_NESTING
    assert max(shape.unclosed for shape in shapes) * 4 <= MAX_OPEN_FENCES


def test_a_colour_is_a_mathml_attribute_not_inline_css():
    """Quiz pages forbid inline styles (Content-Security-Policy); MathML's mathcolor needs none."""
    converted = to_mathml("\\color{red}{x} + \\textcolor{blue}{y}")
    assert "style=" not in converted
    assert 'mathcolor="#FF0000"' in converted
    assert ET.fromstring(converted) is not None
