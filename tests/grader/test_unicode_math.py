"""TeX of the quiz bank as Unicode text for the terminal: exact outputs, the whole bank, never an exception."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from grader.quiz.mathml import find_math
from grader.quiz.unicode_math import to_unicode

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    (r"\frac{\partial L}{\partial W}", "∂L/∂W"),
    (r"\frac{a+b}{c d}", "(a + b)/(c d)"),
    (r"\frac{1}{1 + \exp(-x)}", "1/(1 + exp(−x))"),
    (r"\frac{-1}{4} = -0.25", "−1/4 = −0.25"),
    (r"\sigma(x)(1 - \sigma(x))", "σ(x)(1 − σ(x))"),
    (r"x^{2} + y^2", "x² + y²"),
    (r"W^{\top}", "Wᵀ"),
    (r"X^T X", "Xᵀ X"),
    (r"h_{t-1}", "hₜ₋₁"),
    (r"W_{ij}", "Wᵢⱼ"),
    (r"b_y", "b_y"),
    (r"e^{-x^2}", "e^(−x²)"),
    (r"10^{-8}", "10⁻⁸"),
    (r"\sqrt{x}", "√x"),
    (r"\sqrt{1 - \beta_2^t}", "√(1 − β₂ᵗ)"),
    (r"\sqrt{\frac{2}{n_{in}}}", "√(2/nᵢₙ)"),
    (r"\nabla_W L", "∇_W L"),
    (r"\sum_{i=1}^{N} x_i", "∑ᵢ₌₁ᴺ xᵢ"),
    (r"\prod_{k} p_k", "∏ₖ pₖ"),
    (r"a \cdot b \times c \odot d", "a · b × c ⊙ d"),
    (r"\hat{y} - \bar{x} + \tilde{z}", "ŷ − x̄ + z̃"),
    (r"x \leq 1, y \geq 0, z \neq 2, w \approx 3", "x ≤ 1, y ≥ 0, z ≠ 2, w ≈ 3"),
    (r"f: \mathbb{R}^n \to \mathbb{R}", "f: ℝⁿ → ℝ"),
    (r"x \in \mathcal{N}(0, 1)", "x ∈ 𝒩(0, 1)"),
    (r"\mathbf{W} \boldsymbol{x}", "W x"),
    (r"\left( \frac{a}{b} \right)", "(a/b)"),
    (r"\lVert w \rVert_2^2", "‖w‖₂²"),
    (r"x_1, \ldots, x_n \to \infty", "x₁, …, xₙ → ∞"),
    (r"\text{loss}\,=\,\log p", "loss = log p"),
    (r"\alpha\beta\gamma\Delta\theta\lambda\eta\epsilon", "αβγΔθληϵ"),
    (r"\begin{pmatrix} 1 & 0 \\ 2 & 1 \end{pmatrix}", "(1, 0; 2, 1)"),
    (r"D_{\mathrm{KL}}(q \,\|\, p)", "D_(KL)(q ‖ p)"),
    (r"p \leftarrow p - \eta g", "p ← p − ηg"),
    (r"\frac{\eta g}{|g|}", "ηg/|g|"),
    (r"\frac{a}{|x| + 1}", "a/(|x| + 1)"),
    (r"\frac{p(z \mid x)}{2}", "p(z | x)/2"),
    (r"\nabla_\theta \pi_\theta = \pi_\theta \nabla_\theta \log \pi_\theta", "∇_θ π_θ = π_θ ∇_θ log π_θ"),
    (r"r + \gamma \max_{a'} Q", "r + γ max_(a') Q"),
    (r"-\log_2 \frac{1}{8}", "−log₂ 1/8"),
    (r"b \epsilon / h + b_{\hat{h}}", "b ϵ / h + b_ĥ"),
]


@pytest.mark.parametrize(("tex", "expected"), CASES, ids=[tex for tex, _ in CASES])
def test_exact_output(tex, expected):
    assert to_unicode(tex) == expected


def _bank_formulas() -> list[str]:
    formulas = set()
    for path in sorted((ROOT / "quizzes").glob("*/*.md")):
        formulas.update(span.tex for span in find_math(path.read_text(encoding="utf-8")))
    return sorted(formulas)


def test_every_formula_of_the_bank_converts_without_a_backslash():
    formulas = _bank_formulas()
    assert len(formulas) > 500
    left = {tex: shown for tex in formulas if re.search(r"\\", shown := to_unicode(tex))}
    assert left == {}
    assert all(to_unicode(tex).strip() for tex in formulas)


def test_an_unknown_command_is_kept_as_typed():
    assert to_unicode(r"\foo{x} + \alpha") == r"\foo x + α"
    assert to_unicode(r"\weird") == r"\weird"


@pytest.mark.parametrize(
    "tex", ["", "}", "{", "^", "_{", r"\frac", r"\frac{a}", r"\sqrt[", r"\left", r"\begin{pmatrix", "\\", "x^^y"]
)
def test_broken_tex_never_raises(tex):
    assert isinstance(to_unicode(tex), str)


def test_random_token_soup_never_raises():
    pieces = [
        "{",
        "}",
        "^",
        "_",
        "x",
        r"\frac",
        r"\sqrt",
        "[",
        "]",
        r"\left",
        r"\right",
        "(",
        ")",
        r"\hat",
        "&",
        "\\\\",
    ]
    pieces += [r"\begin{pmatrix}", r"\end{pmatrix}", r"\text", r"\mathbb", " ", "-", r"\unknown"]
    rng = random.Random(16)
    for _ in range(2000):
        assert isinstance(to_unicode("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))), str)
