"""Checks for exercise 6: numerical differentiation by central differences.

The functions differentiated are the sandbox's own callables
(``grader.sandbox.server._trusted_function``), replicated here so that expected values
and known wrong answers are computed in the grader:

- a cubic, whose central difference is off by only ``c3 * h ** 2`` while a
  forward difference is off by ``f''(x) * h / 2``: at h = 1e-4 that is a factor
  of about 10 000, so an accuracy check tells the two apart without fixing how
  the learner writes the loop;
- ``x ** 3`` at ``x = 0``, where every difference quotient equals ``h ** 2``:
  the learner's step can be read off the answer;
- a function that ignores its argument and reads ``x`` by reference, as
  ``lambda w: net.loss(x, t)`` does in the book: only a gradient that moves
  ``x`` itself, in place, sees it change.

``numerical_gradient`` is run on x of shapes (2,), (5,), (2, 3), (3, 2) and
(2, 1, 3, 2), and ``x`` is brought back after the call to see that it holds its
original values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial

import numpy as np

from grader.checks.common import generator
from grader.checks.verdicts import Later, Variant, close, is_close, matching_variant, value_of
from grader.grading.compare import abbreviate, dtype_kind_mismatch
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun
from grader.text import Text
from reference import numerical_diff, numerical_gradient

H = 1e-4
# a central difference of a cubic is within c3 * h**2 of f'; a forward one is
# f''(x) * h / 2 away, about 1e4 times more: these tolerances sit in between
DIFF_RTOL = 2e-7
GRADIENT_RTOL = 1e-7
GRADIENT_ATOL = 1e-7
# x is put back exactly by x[i] = tmp; x[i] += h ... x[i] -= 2h ... x[i] += h
# leaves an ulp or two, which is harmless
RESTORE_ATOL = 1e-12

ScalarFunction = Callable[[float], float]
ArrayFunction = Callable[[np.ndarray], float]


# ---------------------------------------------------------------------------
# the sandbox's callables, replicated in the grader
# ---------------------------------------------------------------------------


def _scalar_polynomial(coefficients: Sequence[float]) -> ScalarFunction:
    """``sum(c_k * x ** k)`` for a scalar x, as ``scalar_polynomial`` in the sandbox."""

    def f(x: float) -> float:
        return sum(c * x**power for power, c in enumerate(coefficients))

    return f


def _polynomial(coefficients: Sequence[float]) -> ArrayFunction:
    """``sum over elements of sum(c_k * x ** k)``, as ``polynomial`` in the sandbox."""

    def f(x: np.ndarray) -> float:
        x = np.asarray(x, dtype=float)
        return float(np.sum(sum(c * x**power for power, c in enumerate(coefficients))))

    return f


def _square_of_sum(coefficients: Sequence[float]) -> ArrayFunction:
    """``(sum of x) ** 2`` plus the polynomial summed over elements, as ``square_of_sum`` in the sandbox."""

    def f(x: np.ndarray) -> float:
        x = np.asarray(x, dtype=float)
        total = sum(c * x**power for power, c in enumerate(coefficients))
        return float(np.sum(x) ** 2 + np.sum(total))

    return f


def _polynomial_text(coefficients: Sequence[float]) -> str:
    """``0.5 - x + 3x² + 2x³`` for ``[0.5, -1, 3, 2]``."""
    powers = ["", "x", "x²", "x³", "x⁴"]
    terms: list[str] = []
    for power, c in enumerate(coefficients):
        if c == 0:
            continue
        magnitude = abs(c)
        body = f"{magnitude:g}" if power == 0 else ("" if magnitude == 1 else f"{magnitude:g}") + powers[power]
        sign = "-" if c < 0 else "+"
        terms.append(f"{'-' if c < 0 else ''}{body}" if not terms else f"{sign} {body}")
    return " ".join(terms) if terms else "0"


def _derivative(coefficients: Sequence[float], x: np.ndarray | float) -> np.ndarray:
    """The exact derivative of the polynomial, elementwise."""
    x = np.asarray(x, dtype=float)
    total = np.zeros_like(x)
    for power, c in enumerate(coefficients):
        if power:
            total = total + power * c * x ** (power - 1)
    return total


# ---------------------------------------------------------------------------
# wrong answers, recomputed in the grader
# ---------------------------------------------------------------------------


def _quotients(f: ArrayFunction, x: np.ndarray, formula: str, h: float = H) -> np.ndarray:
    """Per-element difference quotients of f at x by one of the classic formulas."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        f_plus, f_minus, f_here = f(plus), f(minus), f(x)
        grad[index] = {
            "forward": (f_plus - f_here) / h,
            "backward": (f_here - f_minus) / h,
            "no_two": (f_plus - f_minus) / h,
            "not_minus": (f_plus - f_here) / (2 * h),
        }[formula]
    return grad


def _row_gradient(f: ArrayFunction, x: np.ndarray) -> np.ndarray:
    """What perturbing x[i] (a whole row or block) instead of one element gives."""
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        plus, minus = x.copy(), x.copy()
        plus[i] += H
        minus[i] -= H
        grad[i] = (f(plus) - f(minus)) / (2 * H)
    return grad


def _sliced_gradient(f: ArrayFunction, x: np.ndarray, lowest: int) -> np.ndarray:
    """What calling f on sub-arrays x[i] gives, recursing until they have ``lowest`` dimensions.

    ``lowest = x.ndim - 1``: f on x[i] (the book's gradient_2d.py, ``for idx, x in enumerate(X)``);
    ``lowest = 1``: a recursive version that calls f on 1-D rows.
    """
    if x.ndim <= lowest:
        return numerical_gradient(f, x.copy())
    return np.stack([_sliced_gradient(f, part, lowest) for part in x])


def _whole_array_gradient(f: ArrayFunction, x: np.ndarray) -> np.ndarray:
    """What perturbing every element at once (x + h) gives."""
    return np.full(x.shape, (f(x + H) - f(x - H)) / (2 * H))


FORWARD = Text(
    "that is the forward difference (f(x + h) - f(x)) / h; its error is about f''(x) * h / 2. "
    "Use the central difference (f(x + h) - f(x - h)) / (2 * h), whose error shrinks like h²",
    "前方差分 (f(x + h) - f(x)) / h になっています。誤差はおよそ f''(x) * h / 2 です。"
    "誤差が h² に比例して小さくなる中心差分 (f(x + h) - f(x - h)) / (2 * h) を使ってください",
)
BACKWARD = Text(
    "that is the backward difference (f(x) - f(x - h)) / h, as inaccurate as the forward one; "
    "use the central difference (f(x + h) - f(x - h)) / (2 * h)",
    "後退差分 (f(x) - f(x - h)) / h になっています。前方差分と同じく誤差が大きいので、"
    "中心差分 (f(x + h) - f(x - h)) / (2 * h) を使ってください",
)
NO_TWO = Text(
    "twice the derivative: x + h and x - h are 2h apart, so divide by 2 * h, not by h",
    "微分の 2 倍になっています。x + h と x - h の間隔は 2h なので、h ではなく 2 * h で割ってください",
)
PRECEDENCE = Text(
    "(f(x + h) - f(x - h)) / 2 * h multiplies by h: Python reads a / 2 * h as (a / 2) * h; write / (2 * h)",
    "(f(x + h) - f(x - h)) / 2 * h は h を掛けています。Python は a / 2 * h を (a / 2) * h と"
    "読むので、/ (2 * h) と書いてください",
)
TINY_STEP = Text(
    "every value is 0: with a tiny h such as 1e-50, x + h rounds back to x in float64 "
    "(about 16 significant digits), so f(x + h) - f(x - h) is 0; use h = 1e-4",
    "すべて 0 です。h = 1e-50 のように小さすぎると、float64(有効数字およそ 16 桁)では x + h が x に"
    "丸められ、f(x + h) - f(x - h) が 0 になります。h = 1e-4 を使ってください",
)
NOT_MINUS = Text(
    "about half the derivative: after x[i] += h, subtracting h once brings x[i] back to x[i], "
    "not to x[i] - h, so the second call sees f(x); set x[i] = tmp - h from the saved value tmp",
    "微分のおよそ半分です。x[i] += h の後に h を 1 回引くと x[i] は元の値に戻るだけで x[i] - h には"
    "なりません。2 回目の呼び出しは f(x) を見ています。保存しておいた tmp から x[i] = tmp - h としてください",
)


def _gradient_variants(f: ArrayFunction, x: np.ndarray) -> list[Variant]:
    """Wrong gradients of f at x, each with the misconception behind it."""
    variants = [
        Variant(_quotients(f, x, "forward"), FORWARD),
        Variant(_quotients(f, x, "backward"), BACKWARD),
        Variant(_quotients(f, x, "no_two"), NO_TWO),
        Variant(_quotients(f, x, "not_minus"), NOT_MINUS),
        Variant(numerical_gradient(f, x.copy()) * H * H, PRECEDENCE),
        Variant(np.zeros(x.shape), TINY_STEP),
    ]
    if x.ndim > 1:
        variants.append(
            Variant(
                _row_gradient(f, x),
                Text(
                    f"x[i] with one index is a whole sub-array of x (shape {x.shape[1:]}), so all its "
                    "elements moved together; perturb one element at a time with a full index: "
                    "np.nditer(x, flags=['multi_index']) or np.ndindex(x.shape)",
                    f"添字 1 つの x[i] は x の部分配列(形状 {x.shape[1:]})なので、その要素がまとめて動いています。"
                    "np.nditer(x, flags=['multi_index']) や np.ndindex(x.shape) で、完全な添字を使って"
                    "1 要素ずつ動かしてください",
                ),
            )
        )
    if x.size > 1:
        variants.append(
            Variant(
                _whole_array_gradient(f, x),
                Text(
                    "every element got the same value: x + h moves all elements at once; "
                    "move only x[i], compute that partial derivative, put x[i] back, then go on to the next",
                    "すべての要素が同じ値です。x + h は全要素を同時に動かします。x[i] だけを動かして"
                    "偏微分を求め、元に戻してから次の要素に進んでください",
                ),
            )
        )
    return variants


def _accuracy_line(got: np.ndarray | None, coefficients: Sequence[float], x: np.ndarray | float) -> list[Text]:
    """How far the answer is from the exact derivative, against a central difference's error."""
    if got is None or np.shape(got) != np.shape(x) or not np.all(np.isfinite(got)):
        return []
    exact = _derivative(coefficients, x)
    error = float(np.max(np.abs(np.asarray(got, dtype=float) - exact)))
    if len(coefficients) > 3 and coefficients[3]:
        central = f"{abs(coefficients[3]) * H * H:.1g}"
        return [
            Text(
                f"your largest error against the exact derivative is {error:.2g}; "
                f"a central difference with h = 1e-4 is off by only about c3 * h² = {central}",
                f"正確な微分との誤差の最大値は {error:.2g} です。"
                f"h = 1e-4 の中心差分なら誤差はおよそ c3 * h² = {central} にとどまります",
            )
        ]
    return [
        Text(
            f"your largest error against the exact derivative is {error:.2g}; "
            "for a quadratic a central difference is exact up to rounding",
            f"正確な微分との誤差の最大値は {error:.2g} です。2 次関数なら中心差分は丸め誤差を除いて正確です",
        )
    ]


# ---------------------------------------------------------------------------
# numerical_diff
# ---------------------------------------------------------------------------


def _diff_variants(f: ScalarFunction, x: float) -> list[Variant]:
    """Wrong answers of numerical_diff(f, x), each with the misconception behind it."""
    return [
        Variant((f(x + H) - f(x)) / H, FORWARD),
        Variant((f(x) - f(x - H)) / H, BACKWARD),
        Variant((f(x + H) - f(x - H)) / H, NO_TWO),
        Variant((f(x + H) - f(x - H)) / 2 * H, PRECEDENCE),
        Variant(0.0, TINY_STEP),
        Variant((f(x + H) - f(x)) / (2 * H), NOT_MINUS),
    ]


def _diff_checks() -> list[Check]:
    cubic = [0.5, -1.0, 3.0, 2.0]
    f = _scalar_polynomial(cubic)
    x = 1.5
    expected = numerical_diff(f, x)
    variants = _diff_variants(f, x)
    accuracy_probe = Probe()
    function = accuracy_probe.function("scalar_polynomial", coefficients=cubic)
    accuracy_probe.save(accuracy_probe.call("numerical_diff", function, x), "result")

    def accuracy(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines = close(got, expected, what="numerical_diff(f, 1.5)", rtol=DIFF_RTOL, atol=0.0)
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "")
        variant = matching_variant(got, variants, 1e-9, 1e-12)
        return Verdict.fail(lines + _accuracy_line(array, cubic, x), variant.hint if variant else None)

    # f(x) = x³ at 0: forward, backward and central quotients all equal h², so the step shows
    step_probe = Probe()
    cube = step_probe.function("scalar_polynomial", coefficients=[0.0, 0.0, 0.0, 1.0])
    step_probe.save(step_probe.call("numerical_diff", cube, 0.0), "result")
    step_expected = numerical_diff(_scalar_polynomial([0.0, 0.0, 0.0, 1.0]), 0.0)

    def step(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines = close(got, step_expected, what="numerical_diff(f, 0.0)", rtol=1e-6, atol=0.0)
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "")
        # one real number in any wrapping ([x], (x,), a 0-d array); complex values are wrong already
        usable = array is not None and array.size == 1 and array.dtype.kind in "biuf" and np.isfinite(array).all()
        value = float(array.reshape(-1)[0]) if usable and array is not None else None
        if value is not None and abs(value - 2 * step_expected) <= 1e-6 * step_expected:
            return Verdict.fail(lines, NO_TWO)
        if value is not None and abs(value - H**4) <= 1e-6 * H**4:
            return Verdict.fail(lines, PRECEDENCE)
        if value is not None and value > 0:
            h = float(np.sqrt(value))
            lines.append(
                Text(
                    f"for f(x) = x³ at x = 0 the difference quotient is exactly h², so your h is about {h:.2g}",
                    f"f(x) = x³ の x = 0 での差分商はちょうど h² なので、あなたの h はおよそ {h:.2g} です",
                )
            )
        return Verdict.fail(lines)

    book_probe = Probe()
    book = book_probe.function("scalar_polynomial", coefficients=[0.0, 0.1, 0.01])
    book_probe.save(book_probe.call("numerical_diff", book, 5.0), "at 5")
    book_probe.save(book_probe.call("numerical_diff", book, 10.0), "at 10")
    book_f = _scalar_polynomial([0.0, 0.1, 0.01])

    def book_values(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        hint = None
        for point in (5.0, 10.0):
            got = run.output(f"at {point:g}")
            wrong = close(got, numerical_diff(book_f, point), what=f"numerical_diff(f, {point:g})", rtol=1e-8, atol=0.0)
            if wrong and hint is None:
                variant = matching_variant(got, _diff_variants(book_f, point), 1e-9, 1e-12)
                hint = variant.hint if variant else None
            lines += wrong
        return Verdict.unless(lines, hint)

    return [
        Check(
            "numerical_diff: the book's 0.01x² + 0.1x at x = 5 and x = 10 gives 0.2 and 0.3",
            "numerical_diff: 教科書の 0.01x² + 0.1x の x = 5 と x = 10 での微分は 0.2 と 0.3",
            book_probe,
            book_values,
            hint=Text(
                "return (f(x + h) - f(x - h)) / (2 * h) with h = 1e-4, calling the f you were given",
                "渡された f を呼び、h = 1e-4 として (f(x + h) - f(x - h)) / (2 * h) を返してください",
            ),
            context=Text(
                "f(x) = 0.01x² + 0.1x (the book prints 0.1999999999990898 and 0.2999999999986347)",
                "f(x) = 0.01x² + 0.1x(教科書の出力は 0.1999999999990898 と 0.2999999999986347)",
            ),
        ),
        Check(
            "numerical_diff: central difference, accurate to O(h²) on a cubic",
            "numerical_diff: 中心差分で、3 次関数に対して O(h²) の精度",
            accuracy_probe,
            accuracy,
            hint=Text(
                "use the central difference (f(x + h) - f(x - h)) / (2 * h) with h = 1e-4",
                "h = 1e-4 の中心差分 (f(x + h) - f(x - h)) / (2 * h) を使ってください",
            ),
            context=Text(
                f"f(x) = {_polynomial_text(cubic)}, x = 1.5; exact f'(1.5) = {float(_derivative(cubic, x)):g}, "
                f"f''(1.5) = {2 * cubic[2] + 6 * cubic[3] * x:g}",
                f"f(x) = {_polynomial_text(cubic)}、x = 1.5。正確な f'(1.5) = {float(_derivative(cubic, x)):g}、"
                f"f''(1.5) = {2 * cubic[2] + 6 * cubic[3] * x:g}",
            ),
        ),
        Check(
            "numerical_diff: step h = 1e-4",
            "numerical_diff: 刻み幅 h = 1e-4",
            step_probe,
            step,
            hint=Text(
                "the exercise fixes h = 1e-4: a larger h makes the difference inaccurate, a much smaller "
                "one (1e-10, 1e-50) drowns it in rounding errors",
                "この課題では h = 1e-4 と決めています。h が大きいと差分が不正確になり、"
                "小さすぎる(1e-10 や 1e-50)と丸め誤差に埋もれます",
            ),
            context=Text(
                "f(x) = x³, x = 0: the central difference is ((h³) - (-h³)) / (2h) = h² = 1e-8",
                "f(x) = x³、x = 0: 中心差分は ((h³) - (-h³)) / (2h) = h² = 1e-8",
            ),
        ),
    ]


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------

GRADIENT_HINT = Text(
    "for each element x[i]: save tmp = x[i], set x[i] = tmp + h and call f(x), set x[i] = tmp - h "
    "and call f(x), put x[i] = tmp back, and store (f_plus - f_minus) / (2 * h) in grad[i]",
    "各要素 x[i] について: tmp = x[i] を保存し、x[i] = tmp + h で f(x)、x[i] = tmp - h で f(x) を呼び、"
    "x[i] = tmp と元に戻してから grad[i] に (f_plus - f_minus) / (2 * h) を入れます",
)


def _shape_hint(got: np.ndarray | None, x: np.ndarray) -> Text | None:
    """A hint when the gradient's shape is not x's."""
    if got is None or got.shape == x.shape:
        return None
    return Text(
        f"the gradient must have x's shape {x.shape}, got {got.shape}: create it with "
        "grad = np.zeros_like(x) and fill grad[idx] with the same index idx you moved in x",
        f"勾配は x と同じ形状 {x.shape} にします(あなたの結果は {got.shape})。grad = np.zeros_like(x) で作り、"
        "x で動かしたのと同じ添字 idx の grad[idx] に入れてください",
    )


def _gradient_check(
    name: str,
    name_ja: str,
    coefficients: Sequence[float],
    x: np.ndarray,
    *,
    check_dtype: bool = False,
    context: Text | None = None,
) -> Check:
    """``numerical_gradient(polynomial, x)`` against the reference's central differences."""
    f = _polynomial(coefficients)
    expected = numerical_gradient(f, x.copy())
    variants = Later(partial(_gradient_variants, f, x.copy()))
    probe = Probe()
    function = probe.function("polynomial", coefficients=list(coefficients))
    probe.save(probe.call("numerical_gradient", function, x), "gradient")

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("gradient")
        lines = close(got, expected, what="grad", rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL)
        if lines:
            array, _ = value_of(got, "")
            variant = matching_variant(got, variants(), 1e-9, 1e-9)
            hint = variant.hint if variant else _shape_hint(array, x)
            return Verdict.fail(lines + _accuracy_line(array, coefficients, x), hint)
        return Verdict.unless(dtype_kind_mismatch(got, "f", "grad") if check_dtype else [])

    shape = "(" + ", ".join(str(n) for n in x.shape) + ("," if x.ndim == 1 else "") + ")"
    default_context = Text(
        f"f(x) = sum of {_polynomial_text(coefficients)} over the elements of x; x {shape} float64",
        f"f(x) = x の全要素についての {_polynomial_text(coefficients)} の和。x は {shape} の float64",
    )
    return Check(name, name_ja, probe, verify, hint=GRADIENT_HINT, context=context or default_context)


def _restore_check() -> Check:
    coefficients = [0.0, 1.0, -0.5, 0.25]
    x = generator(62).uniform(-2.0, 2.0, size=(2, 3))
    probe = Probe()
    x_ref = probe.array(x)
    function = probe.function("polynomial", coefficients=coefficients)
    probe.call("numerical_gradient", function, x_ref)
    probe.save(x_ref, "x after")

    def verify(run: ProbeRun) -> Verdict:
        after, lines = value_of(run.output("x after"), "x")
        if after is None:
            return Verdict.fail(lines)
        if after.shape == x.shape and np.allclose(after, x, rtol=0.0, atol=RESTORE_ATOL):
            return Verdict.ok()
        lines = close(after, x, what="x", rtol=0.0, atol=RESTORE_ATOL)
        hint = None
        if after.shape == x.shape:
            shift = after.astype(float) - x
            if np.allclose(shift, -H, atol=1e-12):
                hint = Text(
                    "every x[i] was left at x[i] - h: after the second call put the saved value back, x[i] = tmp",
                    "すべての x[i] が x[i] - h のままです。"
                    "2 回目の呼び出しの後で、保存した値を x[i] = tmp と戻してください",
                )
            elif np.allclose(shift, H, atol=1e-12):
                hint = Text(
                    "every x[i] was left at x[i] + h: put the saved value back, x[i] = tmp",
                    "すべての x[i] が x[i] + h のままです。保存した値を x[i] = tmp と戻してください",
                )
        return Verdict.fail(
            [
                Text(
                    "x does not hold its original values after numerical_gradient(f, x) returned",
                    "numerical_gradient(f, x) から戻った後、x が元の値になっていません",
                ),
                *lines,
            ],
            hint,
        )

    return Check(
        "numerical_gradient: x holds its original values afterwards",
        "numerical_gradient: 呼び出し後の x は元の値のまま",
        probe,
        verify,
        hint=Text(
            "the caller's x (often a network's weights) must be unchanged: save tmp = x[i] before moving "
            "it and restore x[i] = tmp after the two calls of f",
            "呼び出し元の x(多くはネットワークの重み)は変わってはいけません。動かす前に tmp = x[i] を保存し、"
            "f を 2 回呼んだ後に x[i] = tmp と戻してください",
        ),
        context=Text(
            f"f(x) = sum of {_polynomial_text(coefficients)} over the elements; x {abbreviate(x)}",
            f"f(x) = 全要素についての {_polynomial_text(coefficients)} の和。x {abbreviate(x)}",
        ),
    )


def _by_reference_check() -> Check:
    rng = generator(63)
    x = rng.uniform(-2.0, 2.0, size=(3, 2))
    weights = rng.uniform(0.5, 2.0, size=(3, 2))
    control_x = rng.uniform(-2.0, 2.0, size=(3, 2))

    def weighted_square(point: np.ndarray) -> float:
        # the sandbox's f reads x by reference; the reference gradient moves x_point in place,
        # and the variants move a copy and pass it, so reading the argument models both
        return float(np.sum(weights * np.asarray(point) ** 2))

    expected = numerical_gradient(weighted_square, x.copy())
    variants = Later(partial(_gradient_variants, weighted_square, x.copy()))
    control_coefficients = [0.0, 0.0, 1.0]
    control_expected = numerical_gradient(_polynomial(control_coefficients), control_x.copy())

    probe = Probe()
    x_ref = probe.array(x)
    w_ref = probe.array(weights)
    function = probe.function("weighted_square_by_reference", array=x_ref, weights=w_ref)
    probe.save(probe.call("numerical_gradient", function, x_ref), "gradient")
    # the same learner function on an f that uses its argument tells a copy from a broken difference
    control = probe.function("polynomial", coefficients=control_coefficients)
    probe.save(probe.call("numerical_gradient", control, control_x), "control")

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("gradient")
        lines = close(got, expected, what="grad", rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL)
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "")
        control_works = is_close(run.output("control"), control_expected, GRADIENT_RTOL, GRADIENT_ATOL)
        if array is not None and array.shape == x.shape and np.all(array == 0) and control_works:
            return Verdict.fail(
                [
                    *lines,
                    Text(
                        "with f(x) = sum(x²), which uses its argument, your gradient is right: "
                        "so the array you change is not the caller's x",
                        "引数を使う f(x) = sum(x²) では勾配は正しいので、あなたが動かしている配列は"
                        "呼び出し元の x ではありません",
                    ),
                ],
                Text(
                    "f here ignores its argument and reads x itself, as lambda w: net.loss(x, t) reads "
                    "net.W; your code moves a copy (x.copy(), x.astype(float), np.array(x), x + h * e_i), "
                    "so f never sees a change. Change x[i] in place and put it back afterwards",
                    "この f は引数を使わず x そのものを読みます(lambda w: net.loss(x, t) が net.W を読むのと同じ)。"
                    "あなたのコードはコピー(x.copy()、x.astype(float)、np.array(x)、x + h * e_i)を動かして"
                    "いるので、f には変化が見えません。x[i] をその場で書き換え、後で元に戻してください",
                ),
            )
        variant = matching_variant(got, variants(), 1e-9, 1e-9)
        return Verdict.fail(lines, variant.hint if variant else _shape_hint(array, x))

    return Check(
        "numerical_gradient: f that ignores its argument and reads x by reference (as the book's networks)",
        "numerical_gradient: 引数を使わず x を参照で読む f(教科書のネットワークと同じ)",
        probe,
        verify,
        hint=GRADIENT_HINT,
        context=Text(
            "f = lambda _: np.sum(w * x ** 2) reads x itself, not its argument; x (3, 2), w (3, 2)",
            "f = lambda _: np.sum(w * x ** 2) は引数ではなく x そのものを読みます。x (3, 2)、w (3, 2)",
        ),
    )


ROW_F_HINT = Text(
    "f was called on a part of x (a row x[i], as the book's gradient_2d.py does with "
    "for idx, x in enumerate(X)), not on x: that gives the right answer only when f adds up separate "
    "terms per row; here f couples every element (sum(x)²), so move one element of x itself and call f(x) "
    "on the whole array",
    "f を x 全体ではなく一部(教科書の gradient_2d.py の for idx, x in enumerate(X) のような行 x[i])に"
    "対して呼んでいます。それで正しくなるのは f が行ごとの項の和のときだけです。ここの f はすべての要素を"
    "結びつけている(sum(x)²)ので、x 自体の 1 要素を動かし、配列全体に対して f(x) を呼んでください",
)
COUPLED = [0.0, 0.5, 0.0, 0.2]


def _coupled_variants(f: ArrayFunction, x: np.ndarray) -> list[Variant]:
    """Wrong gradients of a coupled f: one slice of x moved at a time, and every wrong gradient of any f."""
    return [
        Variant(_sliced_gradient(f, x, x.ndim - 1), ROW_F_HINT),
        Variant(_sliced_gradient(f, x, 1), ROW_F_HINT),
        *_gradient_variants(f, x),
    ]


def _coupled_check() -> Check:
    """f(x) = sum(x)² + ...: each partial derivative depends on every element of x."""
    rng = generator(64)
    points = {"(3, 4)": rng.uniform(-1.5, 1.5, size=(3, 4))}
    f = _square_of_sum(COUPLED)
    expected = {label: numerical_gradient(f, x.copy()) for label, x in points.items()}
    variants = {label: Later(partial(_coupled_variants, f, x.copy())) for label, x in points.items()}
    probe = Probe()
    for label, x in points.items():
        function = probe.function("square_of_sum", coefficients=COUPLED)
        probe.save(probe.call("numerical_gradient", function, x), label)

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        hint = None
        for label, x in points.items():
            got = run.output(label)
            wrong = close(got, expected[label], what="grad", rtol=GRADIENT_RTOL, atol=GRADIENT_ATOL)
            if wrong and hint is None:
                array, _ = value_of(got, "")
                variant = matching_variant(got, variants[label](), 1e-9, 1e-9)
                hint = variant.hint if variant else _shape_hint(array, x)
            lines += wrong
        return Verdict.unless(lines, hint)

    text = _polynomial_text(COUPLED)
    return Check(
        "numerical_gradient: f(x) = sum(x)² + ... couples every element of a (3, 4) matrix",
        "numerical_gradient: (3, 4) 行列のすべての要素を結びつける f(x) = sum(x)² + ...",
        probe,
        verify,
        hint=GRADIENT_HINT,
        context=Text(
            f"f(x) = (sum of all elements of x)² + sum of {text} over the elements; "
            "each partial derivative, 2 * sum(x) + 0.5 + 0.6 * x[i]², depends on every element",
            f"f(x) = (x の全要素の和)² + x の全要素についての {text} の和。"
            "各偏微分 2 * sum(x) + 0.5 + 0.6 * x[i]² はすべての要素に依存します",
        ),
    )


def _gradient_step_check() -> Check:
    """The sum of x³ at x = 0: every central quotient is h², so the step shows."""
    x = np.zeros(3)
    cube = [0.0, 0.0, 0.0, 1.0]
    expected = numerical_gradient(_polynomial(cube), x.copy())
    probe = Probe()
    function = probe.function("polynomial", coefficients=cube)
    probe.save(probe.call("numerical_gradient", function, x), "gradient")

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("gradient")
        lines = close(got, expected, what="grad", rtol=1e-6, atol=0.0)
        if not lines:
            return Verdict.ok()
        array, _ = value_of(got, "")
        if array is None or array.shape != x.shape or array.dtype.kind not in "iuf" or not np.isfinite(array).all():
            return Verdict.fail(lines, _shape_hint(array, x))
        value = float(array[0])
        if np.allclose(array, 2 * expected, rtol=1e-6, atol=0.0):
            return Verdict.fail(lines, NO_TWO)
        if np.allclose(array, H**4, rtol=1e-6, atol=0.0):
            return Verdict.fail(lines, PRECEDENCE)
        if np.allclose(array, expected / 2, rtol=1e-6, atol=0.0):
            return Verdict.fail(lines, NOT_MINUS)
        if value > 0 and np.allclose(array, value, rtol=1e-9, atol=0.0):
            lines.append(
                Text(
                    f"for the sum of x³ at x = 0 every central difference quotient is exactly h², "
                    f"so your h is about {np.sqrt(value):.2g}",
                    "x = 0 での x³ の和の中心差分商はどれもちょうど h² なので、"
                    f"あなたの h はおよそ {np.sqrt(value):.2g} です",
                )
            )
        return Verdict.fail(lines)

    return Check(
        "numerical_gradient: step h = 1e-4",
        "numerical_gradient: 刻み幅 h = 1e-4",
        probe,
        verify,
        hint=Text(
            "use h = 1e-4, as numerical_diff does: the accuracy of every gradient check in later exercises "
            "is judged against it",
            "numerical_diff と同じく h = 1e-4 を使ってください。後の課題の勾配確認もこの値を前提にしています",
        ),
        context=Text(
            "f(x) = sum of x³ over the elements, x = np.zeros(3): each quotient is ((h³) - (-h³)) / (2h) = h² = 1e-8",
            "f(x) = 全要素についての x³ の和、x = np.zeros(3): 各差分商は ((h³) - (-h³)) / (2h) = h² = 1e-8",
        ),
    )


ZERO_D_HINT = Text(
    "a 0-d x (shape ()) has no rows or first axis: len(x), x.shape[0] and for ... in x fail on it; "
    "np.ndindex(x.shape) or np.nditer(x, flags=['multi_index']) visit its one element, with the index ()",
    "0 次元の x(形状 ())には行も最初の軸もないので、len(x)、x.shape[0]、for ... in x は失敗します。"
    "np.ndindex(x.shape) や np.nditer(x, flags=['multi_index']) なら、ただ 1 つの要素を添字 () でたどれます",
)


def _zero_d_error_hint(exception: str, message: str) -> Text | None:
    last = message.strip().splitlines()[-1] if message.strip() else ""
    words = ("0-d", "unsized object", "tuple index out of range", "too many indices")
    return ZERO_D_HINT if any(word in last for word in words) else None


def _zero_d_check() -> Check:
    """A 0-d x: "any shape" includes ()."""
    cubic = [0.3, -1.0, 2.0, 1.5]
    check = _gradient_check(
        "numerical_gradient: a 0-d x, np.array(1.5), gives a 0-d gradient",
        "numerical_gradient: 0 次元の x(np.array(1.5))の勾配は 0 次元",
        cubic,
        np.array(1.5),
        context=Text(
            f"f(x) = {_polynomial_text(cubic)}, x = np.array(1.5), shape (): np.ndindex(()) visits the one index ()",
            f"f(x) = {_polynomial_text(cubic)}、x = np.array(1.5)、形状 (): np.ndindex(()) は添字 () を 1 回たどります",
        ),
    )
    return replace(check, error_hint=_zero_d_error_hint)


def _gradient_checks() -> list[Check]:
    rng = generator(61)
    cubic = [0.3, -1.0, 2.0, 1.5]
    # f'' = 4 + 9x stays far from 0 here, so a forward difference is visibly off everywhere
    vector = np.array([-1.7, -0.9, 0.3, 1.1, 1.9])
    return [
        _gradient_check(
            "numerical_gradient: the book's x0² + x1² at [3.0, 4.0] gives a float array [6, 8]",
            "numerical_gradient: 教科書の x0² + x1² の [3.0, 4.0] での勾配は float の配列 [6, 8]",
            [0.0, 0.0, 1.0],
            np.array([3.0, 4.0]),
            check_dtype=True,
            context=Text(
                "f(x) = x[0]² + x[1]², x = np.array([3.0, 4.0]) (the book prints [6. 8.])",
                "f(x) = x[0]² + x[1]²、x = np.array([3.0, 4.0])(教科書の出力は [6. 8.])",
            ),
        ),
        _gradient_check(
            "numerical_gradient: central differences, accurate to O(h²) on a cubic, x of shape (5,)",
            "numerical_gradient: 中心差分で 3 次関数に対して O(h²) の精度、x の形状 (5,)",
            cubic,
            vector,
        ),
        _gradient_check(
            "numerical_gradient: a (2, 3) matrix, one element moved at a time",
            "numerical_gradient: (2, 3) 行列、1 要素ずつ動かす",
            cubic,
            rng.uniform(-2.0, 2.0, size=(2, 3)),
        ),
        _gradient_check(
            "numerical_gradient: a 4-D x of shape (2, 1, 3, 2)",
            "numerical_gradient: 4 次元の x、形状 (2, 1, 3, 2)",
            cubic,
            rng.uniform(-2.0, 2.0, size=(2, 1, 3, 2)),
        ),
        _coupled_check(),
        _gradient_step_check(),
        _zero_d_check(),
        _restore_check(),
        _by_reference_check(),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 6."""
    return [*_diff_checks(), *_gradient_checks()]
