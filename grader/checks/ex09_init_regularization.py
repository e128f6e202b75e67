"""Checks for exercise 9: weight initialisation and weight decay.

``xavier_init`` and ``he_init`` return random numbers, so they are checked by
statistics of a large sample (n_in = 250, n_out = 400: 100 000 draws), with
tolerances derived from the sample size:

- the sample standard deviation s of n normal draws has standard error about
  sigma / sqrt(2 n), the sample mean sigma / sqrt(n), and the sample excess
  kurtosis sqrt(24 / n);
- a check fails only beyond 7 standard errors (8 for the kurtosis), where a
  correct learner's chance of failing is below 1e-11 per statistic;
- at this sample size 7 standard errors of s are 1.6 % of sigma, while every
  classic wrong scale differs by 12 % or more (1 / sqrt(n_out), Glorot's
  sqrt(2 / (n_in + n_out)), He for Xavier and back, the variance taken for the
  standard deviation), and a uniform distribution's excess kurtosis (-1.2) is
  more than 80 standard errors from a normal's (0).

The statistical checks draw from a generator the sandbox seeds
(``Probe.function("generator", seed=...)``), so a verdict repeats exactly.
The scale and the kurtosis check of one initialiser judge the same sample
(one probe, one call): each statistic and its tolerance are as with a sample
of its own, so is each check's chance of failing a correct learner, and the
chance that either fails one stays below the sum of theirs (2e-11) as before;
further checks see that the same seed gives the same weights (the learner draws
from ``rng``, not from ``np.random``) and that ``rng=None`` starts a fresh
generator on every call.

The penalties are checked on a list of weight arrays of different shapes
(a (3, 4) and a (4, 2) matrix and a (2, 3, 2, 2) convolution filter), so a
penalty that stacks them, averages them or keeps only one of them shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from grader.checks.common import generator, output_check
from grader.checks.verdicts import Variant, close, matching_variant, unchanged, value_of
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Probe, ProbeRun, Ref
from grader.text import Text
from reference import l1_grad, l1_penalty, l2_grad, l2_penalty

N_IN, N_OUT = 250, 400
SAMPLE = N_IN * N_OUT
# standard errors beyond which a statistic fails: P(|Z| > 7) = 2.6e-12
STANDARD_ERRORS = 7.0
KURTOSIS_STANDARD_ERRORS = 8.0
STD_TOLERANCE = STANDARD_ERRORS / np.sqrt(2.0 * (SAMPLE - 1))  # relative, 1.6 %
KURTOSIS_TOLERANCE = KURTOSIS_STANDARD_ERRORS * np.sqrt(24.0 / SAMPLE)  # absolute, 0.12
UNIFORM_KURTOSIS = -1.2
SEED = 20240609
PENALTY_RTOL = 1e-10
PENALTY_ATOL = 1e-12


# ---------------------------------------------------------------------------
# statistics of a sample of weights
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Mean, standard deviation and excess kurtosis of a sample."""

    mean: float
    std: float
    kurtosis: float


# elements per block of ``_moments``: its scratch array (64 KB) is reused, never a fresh sample-sized one
MOMENTS_BLOCK = 8192


def _moments(sample: np.ndarray) -> Moments:
    """Mean, standard deviation and excess kurtosis of every element of ``sample``, in float64.

    The squared deviations are summed block by block into one small scratch
    array: a temporary the size of the sample (800 KB for 100 000 draws) costs
    a fresh allocation and its page faults per call, several milliseconds in the
    grading server.  A sum of squares is 0 only when every deviation is, so a
    constant sample still has std exactly 0.
    """
    values = np.asarray(sample, dtype=np.float64).ravel()
    if values.size == 0:
        return Moments(float("nan"), float("nan"), float("nan"))
    # a learner's NaN, inf or 1e200 gives NaN or inf moments, which fail the check: NumPy's warnings about
    # them (inf - inf, an overflowing square) would only reach the learner's terminal as the grader's noise
    with np.errstate(all="ignore"):
        mean = float(values.mean())
        scratch = np.empty(min(MOMENTS_BLOCK, values.size))
        second = fourth = 0.0
        for start in range(0, values.size, MOMENTS_BLOCK):
            squares = scratch[: min(MOMENTS_BLOCK, values.size - start)]
            np.subtract(values[start : start + MOMENTS_BLOCK], mean, out=squares)
            np.multiply(squares, squares, out=squares)
            second += float(squares.sum())
            fourth += float(np.dot(squares, squares))
        variance = second / values.size
        if not variance**2 > 0:  # no spread, or so little that its square underflows: no kurtosis to judge
            return Moments(mean, float(np.sqrt(variance)), float("nan"))
        kurtosis = fourth / values.size / variance**2 - 3.0
        return Moments(mean, float(np.sqrt(variance)), kurtosis)


@dataclass(frozen=True)
class Scale:
    """A wrong standard deviation a learner may have used, and the misconception."""

    std: float
    hint: Text
    uniform: bool | None = None  # None: either distribution


@dataclass(frozen=True)
class Initialiser:
    """What the checks of one of xavier_init / he_init need to know."""

    name: str
    formula: str
    std: float
    scales: Sequence[Scale]
    uniform_hint: Text


COMMON_SCALES = (
    Scale(
        1.0,
        Text(
            "your weights have std 1: standard_normal draws N(0, 1); multiply them by the scale",
            "重みの標準偏差が 1 です。standard_normal は N(0, 1) を返すので、スケールを掛けてください",
        ),
        uniform=False,
    ),
    Scale(
        0.01,
        Text(
            "std 0.01 is the book's fixed weight_init_std; this initialiser scales with the layer's fan-in n_in",
            "標準偏差 0.01 は教科書の固定値 weight_init_std です。この初期値は層の入力数 n_in に応じて決まります",
        ),
    ),
)

XAVIER = Initialiser(
    "xavier_init",
    "1 / sqrt(n_in)",
    1.0 / np.sqrt(N_IN),
    (
        Scale(
            1.0 / np.sqrt(N_OUT),
            Text(
                "your std is 1 / sqrt(n_out): the scale uses n_in, the number of inputs of the layer "
                "(the nodes of the previous layer)",
                "標準偏差が 1 / sqrt(n_out) になっています。"
                "スケールに使うのは n_in(層への入力の数、前の層のノード数)です",
            ),
        ),
        Scale(
            np.sqrt(2.0 / (N_IN + N_OUT)),
            Text(
                "std sqrt(2 / (n_in + n_out)) is Glorot's original variant; this course, like the book, "
                "uses std 1 / sqrt(n_in)",
                "標準偏差 sqrt(2 / (n_in + n_out)) は Glorot の元論文の形です。"
                "この講座では教科書と同じく 1 / sqrt(n_in) を使います",
            ),
            uniform=False,
        ),
        Scale(
            np.sqrt(2.0 / (N_IN + N_OUT)),
            Text(
                "that is Glorot's uniform initialiser U(-sqrt(6 / (n_in + n_out)), +sqrt(6 / (n_in + n_out))); "
                "the exercise asks for a normal distribution with std 1 / sqrt(n_in)",
                "Glorot の一様分布 U(-sqrt(6 / (n_in + n_out)), +sqrt(6 / (n_in + n_out))) になっています。"
                "課題は標準偏差 1 / sqrt(n_in) の正規分布です",
            ),
            uniform=True,
        ),
        Scale(
            np.sqrt(1.0 / (N_IN + N_OUT)),
            Text(
                "your std is 1 / sqrt(n_in + n_out); Xavier's std is 1 / sqrt(n_in)",
                "標準偏差が 1 / sqrt(n_in + n_out) になっています。Xavier は 1 / sqrt(n_in) です",
            ),
        ),
        Scale(
            np.sqrt(6.0 / (N_IN + N_OUT)),
            Text(
                "sqrt(6 / (n_in + n_out)) is the limit of Glorot's uniform distribution, not a standard "
                "deviation; the exercise asks for a normal distribution with std 1 / sqrt(n_in)",
                "sqrt(6 / (n_in + n_out)) は Glorot の一様分布の範囲で、標準偏差ではありません。"
                "課題は標準偏差 1 / sqrt(n_in) の正規分布です",
            ),
        ),
        Scale(
            1.0 / np.sqrt(3.0 * N_IN),
            Text(
                "that is a uniform distribution on [-1/sqrt(n_in), 1/sqrt(n_in)], whose std is only "
                "1 / sqrt(3 n_in); draw from a normal distribution: rng.normal(0, 1 / np.sqrt(n_in), size)",
                "[-1/sqrt(n_in), 1/sqrt(n_in)] の一様分布になっています。その標準偏差は 1 / sqrt(3 n_in) しか"
                "ありません。正規分布から rng.normal(0, 1 / np.sqrt(n_in), size) で作ってください",
            ),
            uniform=True,
        ),
        Scale(
            1.0 / N_IN,
            Text(
                "your std is 1 / n_in: the variance is 1 / n_in, so the standard deviation is its square root, "
                "1 / sqrt(n_in)",
                "標準偏差が 1 / n_in になっています。分散が 1 / n_in なので、標準偏差はその平方根 1 / sqrt(n_in) です",
            ),
        ),
        Scale(
            np.sqrt(2.0 / N_IN),
            Text(
                "std sqrt(2 / n_in) is He's scale, for ReLU; Xavier's is 1 / sqrt(n_in)",
                "標準偏差 sqrt(2 / n_in) は ReLU 向けの He の初期値です。Xavier は 1 / sqrt(n_in) です",
            ),
        ),
        *COMMON_SCALES,
    ),
    Text(
        "the weights look uniformly distributed (excess kurtosis near -1.2); Xavier's weights are normal: "
        "rng.normal(0.0, 1 / np.sqrt(n_in), size=(n_in, n_out)) or rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)",
        "重みが一様分布のようです(超過尖度が -1.2 付近)。Xavier の重みは正規分布です: "
        "rng.normal(0.0, 1 / np.sqrt(n_in), size=(n_in, n_out)) または "
        "rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)",
    ),
)

HE = Initialiser(
    "he_init",
    "sqrt(2 / n_in)",
    np.sqrt(2.0 / N_IN),
    (
        Scale(
            2.0 / N_IN,
            Text(
                "your std is 2 / n_in, which is the variance: the standard deviation is sqrt(2 / n_in)",
                "標準偏差が 2 / n_in になっています。これは分散です。標準偏差は sqrt(2 / n_in) です",
            ),
        ),
        Scale(
            np.sqrt(2.0) / N_IN,
            Text(
                "your std is sqrt(2) / n_in: divide by sqrt(n_in), not by n_in: std = sqrt(2 / n_in)",
                "標準偏差が sqrt(2) / n_in になっています。n_in ではなく sqrt(n_in) で割ります: sqrt(2 / n_in)",
            ),
        ),
        Scale(
            2.0 / np.sqrt(N_IN),
            Text(
                "your std is 2 / sqrt(n_in): the 2 belongs inside the square root, sqrt(2 / n_in)",
                "標準偏差が 2 / sqrt(n_in) になっています。2 は平方根の中です: sqrt(2 / n_in)",
            ),
        ),
        Scale(
            np.sqrt(N_IN / 2.0),
            Text(
                "your std is sqrt(n_in / 2): you divided by sqrt(2 / n_in) instead of multiplying by it",
                "標準偏差が sqrt(n_in / 2) になっています。sqrt(2 / n_in) を掛けるところで割っています",
            ),
        ),
        Scale(
            np.sqrt(2.0 / N_OUT),
            Text(
                "your std is sqrt(2 / n_out): the scale uses n_in, the number of inputs of the layer",
                "標準偏差が sqrt(2 / n_out) になっています。スケールに使うのは n_in(層への入力の数)です",
            ),
        ),
        Scale(
            1.0 / np.sqrt(N_IN),
            Text(
                "std 1 / sqrt(n_in) is Xavier's; ReLU zeroes half of its inputs, so He doubles the variance: "
                "std sqrt(2 / n_in)",
                "標準偏差 1 / sqrt(n_in) は Xavier の初期値です。ReLU は入力の半分を 0 にするので、"
                "He は分散を 2 倍にします: 標準偏差 sqrt(2 / n_in)",
            ),
        ),
        Scale(
            np.sqrt(2.0 / (N_IN + N_OUT)),
            Text(
                "your std is sqrt(2 / (n_in + n_out)), Glorot's; He's is sqrt(2 / n_in)",
                "標準偏差が Glorot の sqrt(2 / (n_in + n_out)) になっています。He は sqrt(2 / n_in) です",
            ),
        ),
        *COMMON_SCALES,
    ),
    Text(
        "the weights look uniformly distributed (excess kurtosis near -1.2), e.g. He's uniform variant "
        "U(-sqrt(6 / n_in), sqrt(6 / n_in)); the exercise asks for a normal distribution: "
        "rng.normal(0.0, np.sqrt(2 / n_in), size=(n_in, n_out))",
        "重みが一様分布のようです(超過尖度が -1.2 付近)。He の一様分布版 U(-sqrt(6 / n_in), sqrt(6 / n_in)) "
        "などではなく、課題は正規分布です: rng.normal(0.0, np.sqrt(2 / n_in), size=(n_in, n_out))",
    ),
)


def _looks_uniform(moments: Moments) -> bool:
    return abs(moments.kurtosis - UNIFORM_KURTOSIS) <= KURTOSIS_TOLERANCE


def _shape_lines(sample: np.ndarray, init: Initialiser, n_in: int, n_out: int) -> list[Text]:
    """Complaints about the shape and dtype of one returned array."""
    call = f"{init.name}({n_in}, {n_out})"
    lines: list[Text] = []
    if sample.shape != (n_in, n_out):
        lines.append(
            Text(
                f"{call}: expected shape ({n_in}, {n_out}) = (n_in, n_out), got {sample.shape}",
                f"{call}: 期待される形状は ({n_in}, {n_out}) = (n_in, n_out)、あなたの結果は {sample.shape}",
            )
        )
    if sample.dtype.kind != "f":
        lines += _dtype_lines(sample, call)
    return lines


def _dtype_lines(sample: np.ndarray, what: str) -> list[Text]:
    """The complaint of ``compare.dtype_kind_mismatch``, for an array already brought back."""
    return [
        Text(
            f"{what} has dtype {sample.dtype}; expected float",
            f"{what} の dtype が {sample.dtype} です。float が期待されます",
        )
    ]


SHAPE_HINT = Text(
    "the weights connect n_in inputs to n_out outputs, so that x @ W works for x of shape (N, n_in): "
    "size=(n_in, n_out)",
    "重みは n_in 個の入力と n_out 個の出力をつなぐので、形状 (N, n_in) の x で x @ W が計算できるよう "
    "size=(n_in, n_out) にします",
)


def _scale_verdict(sample: np.ndarray, init: Initialiser, call: str, moments: Moments) -> Verdict:
    """Mean 0 and std as the contract says, within tolerances derived from the sample size.

    ``moments`` are ``sample``'s (``_moments``), computed once by the caller.
    """
    n = sample.size
    lines: list[Text] = []
    hint: Text | None = None
    ratio = moments.std / init.std
    if not np.isfinite(moments.std) or abs(ratio - 1.0) > STANDARD_ERRORS / np.sqrt(2.0 * (n - 1)):
        lines.append(
            Text(
                f"{call}: standard deviation {moments.std:.5g}, expected {init.formula} = {init.std:.5g} "
                f"(± {STD_TOLERANCE * init.std:.2g} at this sample size); yours is {ratio:.3g} times that",
                f"{call}: 標準偏差が {moments.std:.5g} です。期待値は {init.formula} = {init.std:.5g}"
                f"(このサンプル数での許容幅 ± {STD_TOLERANCE * init.std:.2g})。期待値の {ratio:.3g} 倍です",
            )
        )
        uniform = _looks_uniform(moments)
        for scale in init.scales:
            close = abs(moments.std / scale.std - 1.0) <= 2 * STD_TOLERANCE
            if close and (scale.uniform is None or scale.uniform == uniform):
                hint = scale.hint
                break
    mean_limit = STANDARD_ERRORS * max(init.std, moments.std) / np.sqrt(n)
    if not abs(moments.mean) <= mean_limit:
        lines.append(
            Text(
                f"{call}: mean {moments.mean:.4g}, expected 0 (± {mean_limit:.2g} at this sample size)",
                f"{call}: 平均が {moments.mean:.4g} です。期待値は 0(このサンプル数での許容幅 ± {mean_limit:.2g})",
            )
        )
        if hint is None:
            hint = Text(
                "the weights must be centred at 0: rng.random and np.random.rand draw from [0, 1); "
                "use rng.normal or rng.standard_normal",
                "重みの平均は 0 です。rng.random や np.random.rand は [0, 1) の一様乱数です。"
                "rng.normal か rng.standard_normal を使ってください",
            )
    return Verdict.unless(lines, hint)


def _large_sample(run: ProbeRun, name: str, init: Initialiser, call: str) -> tuple[np.ndarray | None, list[Text]]:
    """The returned array, or lines saying why it can not be judged."""
    sample, lines = value_of(run.output(name), call)
    if lines:
        return None, lines
    assert sample is not None
    shape_lines = _shape_lines(sample, init, N_IN, N_OUT)
    if sample.size != SAMPLE or sample.dtype.kind not in "fiu":
        return None, shape_lines
    return sample, shape_lines


SAME_PATH_HINT = Text(
    "with rng=None draw exactly as with a given generator: first rng = np.random.default_rng(), "
    "then the same code for both cases",
    "rng=None のときも、生成器を渡されたときと同じように作ってください。"
    "先に rng = np.random.default_rng() とし、その後は両方の場合で同じコードを使います",
)


def _constant_line(call: str, moments: Moments) -> Text:
    """Every draw the same: no spread to judge the distribution by."""
    return Text(
        f"{call}: every weight has the same value {moments.mean:.4g}; they must be random",
        f"{call}: すべての重みが同じ値 {moments.mean:.4g} です。重みは乱数でなければなりません",
    )


CONSTANT_HINT = Text(
    "weights that are all the same (all zeros, say) make every unit of a layer compute the same output "
    "and receive the same gradient, so they stay identical however long you train: draw random weights, "
    "rng.normal(0.0, scale, size=(n_in, n_out))",
    "重みがすべて同じ値(すべて 0 など)だと、層のどのユニットも同じ出力を出して同じ勾配を受け取るため、"
    "いくら学習しても同じままです。乱数で作ってください: rng.normal(0.0, スケール, size=(n_in, n_out))",
)


def _judged_moments(sample: np.ndarray) -> Moments | None:
    """The moments of a sample the statistical checks can judge (at least 2 numbers), else None."""
    if sample.size < 2 or sample.dtype.kind not in "fiu":
        return None
    return _moments(sample)


def _constant(sample: np.ndarray, moments: Moments | None = None) -> Moments | None:
    """The moments of ``sample`` when every value in it is the same, else None (``moments``: known already)."""
    if moments is None:
        moments = _judged_moments(sample)
    return moments if moments is not None and moments.std == 0 else None


def _same_distribution(
    sample: np.ndarray,
    call: str,
    seeded: np.ndarray,
    seeded_call: str,
    known: tuple[Moments | None, Moments | None] = (None, None),
) -> list[Text]:
    """Complaints when two samples' shape, dtype, mean or std disagree beyond their standard errors.

    ``known``: the moments of ``sample`` and ``seeded`` when computed already (``_judged_moments``).
    """
    if sample.shape != seeded.shape or sample.dtype.kind != seeded.dtype.kind:
        return [
            Text(
                f"{call} returned shape {sample.shape} {sample.dtype}, but {seeded_call} "
                f"shape {seeded.shape} {seeded.dtype}",
                f"{call} は形状 {sample.shape} {sample.dtype}、{seeded_call} は形状 {seeded.shape} "
                f"{seeded.dtype} を返しました",
            )
        ]
    if sample.dtype.kind not in "fiu" or sample.size < 2:
        return []
    one, two = known[0] or _moments(sample), known[1] or _moments(seeded)
    n = sample.size
    lines: list[Text] = []
    # the std of a sample with excess kurtosis k has relative standard error sqrt((2 + k) / (4 n))
    excess = max([0.0, *(k for k in (one.kurtosis, two.kurtosis) if np.isfinite(k))])
    std_limit = STANDARD_ERRORS * np.sqrt(2.0) * np.sqrt((2.0 + excess) / (4.0 * n)) * max(one.std, two.std)
    if not abs(one.std - two.std) <= std_limit:
        lines.append(
            Text(
                f"{call} gave weights with standard deviation {one.std:.4g}, {seeded_call} {two.std:.4g}: "
                "both must follow the same distribution",
                f"{call} の重みの標準偏差は {one.std:.4g}、{seeded_call} では {two.std:.4g} です。"
                "どちらも同じ分布に従う必要があります",
            )
        )
    mean_limit = STANDARD_ERRORS * np.sqrt((one.std**2 + two.std**2) / n)
    if not abs(one.mean - two.mean) <= mean_limit:
        lines.append(
            Text(
                f"{call} gave weights with mean {one.mean:.4g}, {seeded_call} {two.mean:.4g}",
                f"{call} の重みの平均は {one.mean:.4g}、{seeded_call} では {two.mean:.4g} です",
            )
        )
    return lines


def _seeded_context() -> Text:
    return Text(
        f"n_in = {N_IN}, n_out = {N_OUT} ({SAMPLE} draws), rng = np.random.default_rng({SEED})",
        f"n_in = {N_IN}、n_out = {N_OUT}({SAMPLE} 個)、rng = np.random.default_rng({SEED})",
    )


def _shape_check(init: Initialiser) -> Check:
    """Shape and dtype, on small non-square layers."""
    name = init.name
    probe = Probe()
    rng = probe.function("generator", seed=SEED + 1)
    shapes = ((7, 3), (1, 5))
    for n_in, n_out in shapes:
        probe.save(probe.call(name, n_in, n_out, rng), f"{n_in}x{n_out}")

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        for n_in, n_out in shapes:
            sample, problems = value_of(run.output(f"{n_in}x{n_out}"), f"{name}({n_in}, {n_out}, rng)")
            if sample is not None:
                problems = _shape_lines(sample, init, n_in, n_out)
            lines += problems
        return Verdict.unless(lines, SHAPE_HINT)

    return Check(
        f"{name}: returns a float array of shape (n_in, n_out)",
        f"{name}: 形状 (n_in, n_out) の float の配列を返す",
        probe,
        verify,
        context=Text(
            "(n_in, n_out) = (7, 3) and (1, 5), with a seeded rng",
            "(n_in, n_out) = (7, 3) と (1, 5)、シード付きの rng",
        ),
    )


def _sample_probe(init: Initialiser) -> Probe:
    """One large sample from a seeded generator, judged by both the scale and the kurtosis check.

    One draw serves both: each check's statistic, tolerance and chance of
    failing a correct learner are those of its own sample of the same size,
    and the grading sends 100 000 numbers (800 KB) back once instead of twice.
    """
    probe = Probe()
    probe.save(probe.call(init.name, N_IN, N_OUT, probe.function("generator", seed=SEED)), "W")
    return probe


def _scale_check(init: Initialiser, probe: Probe) -> Check:
    """The scale, on the large sample of ``probe`` (``_sample_probe``)."""
    name = init.name
    call = f"{name}({N_IN}, {N_OUT}, rng)"

    def verify(run: ProbeRun) -> Verdict:
        # the arrangement is the shape check's business: judge any (n_in * n_out) numbers
        sample, lines = _large_sample(run, "W", init, call)
        if sample is None:
            return Verdict.fail(lines, SHAPE_HINT)
        moments = _moments(sample)
        if (constant := _constant(sample, moments)) is not None:
            return Verdict.fail([_constant_line(call, constant)], CONSTANT_HINT)
        return _scale_verdict(sample, init, call, moments)

    return Check(
        f"{name}: mean 0 and standard deviation {init.formula}",
        f"{name}: 平均 0、標準偏差 {init.formula}",
        probe,
        verify,
        hint=Text(
            f"draw rng.normal(0.0, {init.formula}, size=(n_in, n_out))",
            f"rng.normal(0.0, {init.formula}, size=(n_in, n_out)) で作ってください",
        ),
        context=_seeded_context(),
    )


def _kurtosis_check(init: Initialiser, probe: Probe) -> Check:
    """Normal, not uniform: the kurtosis of the large sample of ``probe`` (``_sample_probe``)."""
    name = init.name
    call = f"{name}({N_IN}, {N_OUT}, rng)"

    def verify(run: ProbeRun) -> Verdict:
        sample, lines = _large_sample(run, "W", init, call)
        if sample is None:
            return Verdict.fail(lines, SHAPE_HINT)
        moments = _moments(sample)
        if abs(moments.kurtosis) <= KURTOSIS_TOLERANCE:
            return Verdict.ok()
        if not np.isfinite(moments.kurtosis):
            return Verdict.fail([_constant_line(call, moments)], CONSTANT_HINT)
        return Verdict.fail(
            [
                Text(
                    f"{call}: excess kurtosis {moments.kurtosis:.3g}; a normal distribution has 0 "
                    f"(± {KURTOSIS_TOLERANCE:.2g} at this sample size), a uniform one -1.2",
                    f"{call}: 超過尖度が {moments.kurtosis:.3g} です。正規分布なら 0"
                    f"(このサンプル数での許容幅 ± {KURTOSIS_TOLERANCE:.2g})、一様分布なら -1.2 です",
                )
            ],
            init.uniform_hint if _looks_uniform(moments) else None,
        )

    return Check(
        f"{name}: normally distributed, not uniform",
        f"{name}: 一様分布ではなく正規分布",
        probe,
        verify,
        hint=Text(
            f"draw from a normal distribution: rng.normal(0.0, {init.formula}, size=(n_in, n_out))",
            f"正規分布から作ってください: rng.normal(0.0, {init.formula}, size=(n_in, n_out))",
        ),
        context=_seeded_context(),
    )


def _seed_check(init: Initialiser) -> Check:
    """The same seed gives the same weights, another seed others."""
    name = init.name
    probe = Probe()
    for label, seed in (("first", SEED + 3), ("again", SEED + 3), ("other", SEED + 4)):
        probe.save(probe.call(name, 20, 10, probe.function("generator", seed=seed)), label)

    def verify(run: ProbeRun) -> Verdict:
        samples: dict[str, np.ndarray] = {}
        for label in ("first", "again", "other"):
            sample, lines = value_of(run.output(label), f"{name}(20, 10, rng)")
            if sample is None:
                return Verdict.fail(lines)
            samples[label] = sample
        first, again, other = samples["first"], samples["again"], samples["other"]
        if (moments := _constant(first)) is not None:
            return Verdict.fail([_constant_line(f"{name}(20, 10, rng)", moments)], CONSTANT_HINT)
        if first.shape != again.shape or not np.array_equal(first, again):
            return Verdict.fail(
                [
                    Text(
                        "two generators made with the same seed gave different weights",
                        "同じシードで作った 2 つの乱数生成器から、異なる重みが返りました",
                    )
                ],
                Text(
                    "draw the weights from the rng you are given (rng.normal or rng.standard_normal), "
                    "not from np.random.randn or a new np.random.default_rng(): then the caller can "
                    "reproduce them with a seed",
                    "重みは渡された rng から作ってください(rng.normal や rng.standard_normal)。"
                    "np.random.randn や新しく作った np.random.default_rng() を使うと、"
                    "呼び出し側がシードで再現できません",
                ),
            )
        if first.shape == other.shape and np.array_equal(first, other):
            return Verdict.fail(
                [
                    Text(
                        "generators with different seeds gave the same weights",
                        "異なるシードの乱数生成器から、同じ重みが返りました",
                    )
                ],
                Text(
                    "your function seems to make its own generator with a fixed seed; use the rng argument",
                    "関数の中で固定シードの乱数生成器を作っているようです。引数の rng を使ってください",
                ),
            )
        return Verdict.ok()

    return Check(
        f"{name}: draws from rng (the same seed gives the same weights)",
        f"{name}: rng から乱数を作る(同じシードなら同じ重み)",
        probe,
        verify,
        context=Text(
            f"{name}(20, 10, rng) with rng = np.random.default_rng({SEED + 3}) twice, then seed {SEED + 4}",
            f"rng = np.random.default_rng({SEED + 3}) で 2 回、シード {SEED + 4} で 1 回 {name}(20, 10, rng)",
        ),
    )


def _fresh_check(init: Initialiser) -> Check:
    """rng=None: a fresh generator on every call, drawing as with a given rng."""
    name = init.name
    shape = (150, 200)
    calls = {
        "default": f"{name}{shape}",
        "None": f"{name}({shape[0]}, {shape[1]}, None)",
        "rng": f"{name}({shape[0]}, {shape[1]}, rng)",
    }
    probe = Probe()
    probe.save(probe.call(name, *shape), "default")
    probe.save(probe.call(name, *shape, None), "None")
    probe.save(probe.call(name, *shape, probe.function("generator", seed=SEED + 5)), "rng")

    def verify(run: ProbeRun) -> Verdict:
        samples: dict[str, np.ndarray] = {}
        for label, call_text in calls.items():
            sample, lines = value_of(run.output(label), call_text)
            if sample is None:
                return Verdict.fail(lines)
            samples[label] = sample
        # each sample's moments once (100 000 numbers of three samples): judged by both tests below
        moments = {label: _judged_moments(sample) for label, sample in samples.items()}
        # constant draws (all zeros, say) have no spread to compare, nor a kurtosis
        constant = [
            _constant_line(calls[label], found)
            for label, sample in samples.items()
            if (found := _constant(sample, moments[label])) is not None
        ]
        if constant:
            return Verdict.fail(constant, CONSTANT_HINT)
        seeded = samples["rng"]
        for label in ("default", "None"):
            known = (moments[label], moments["rng"])
            lines = _same_distribution(samples[label], calls[label], seeded, calls["rng"], known)
            if lines:
                return Verdict.fail(lines, SAME_PATH_HINT)
        if np.array_equal(samples["default"], samples["None"]):
            return Verdict.fail(
                [
                    Text(
                        "two calls without a generator returned the same weights",
                        "乱数生成器を渡さない 2 回の呼び出しで、同じ重みが返りました",
                    )
                ],
                Text(
                    "with rng=None make a fresh, unseeded generator: rng = np.random.default_rng(); "
                    "a fixed seed there gives every layer of a network the same weights",
                    "rng=None のときはシードなしの新しい乱数生成器 rng = np.random.default_rng() を作ってください。"
                    "固定シードにすると、ネットワークのどの層も同じ重みになってしまいます",
                ),
            )
        return Verdict.ok()

    return Check(
        f"{name}: rng=None draws fresh weights on every call, as a given generator would",
        f"{name}: rng=None なら呼び出しごとに新しい重みを、生成器を渡したときと同じ分布で作る",
        probe,
        verify,
        context=Text(
            f"{calls['default']} and {calls['None']}, compared with "
            f"{calls['rng']} for rng = np.random.default_rng({SEED + 5})",
            f"{calls['default']} と {calls['None']} を、rng = np.random.default_rng({SEED + 5}) の "
            f"{calls['rng']} と比べる",
        ),
    )


def _initialiser_checks(init: Initialiser) -> list[Check]:
    sample = _sample_probe(init)
    return [
        _shape_check(init),
        _scale_check(init, sample),
        _kurtosis_check(init, sample),
        _seed_check(init),
        _fresh_check(init),
    ]


# ---------------------------------------------------------------------------
# penalties
# ---------------------------------------------------------------------------


def _weights() -> list[np.ndarray]:
    """Three weight arrays of different shapes, both signs, no zeros."""
    rng = generator(91)
    return [
        rng.normal(0.0, 0.8, size=(3, 4)),
        rng.normal(0.0, 0.8, size=(4, 2)),
        rng.normal(0.0, 0.8, size=(2, 3, 2, 2)),
    ]


SHAPES_TEXT = "(3, 4), (4, 2), (2, 3, 2, 2)"


PENALTY_IN_PLACE_HINT = Text(
    "your function changed the caller's weights: W **= 2, W *= W or np.abs(W, out=W) write into them "
    "(and the next call sees squared weights); compute W ** 2 or np.abs(W), which make new arrays",
    "関数が呼び出し元の重みを書き換えました。W **= 2、W *= W、np.abs(W, out=W) は元の配列に書き込みます"
    "(次の呼び出しでは 2 乗済みの重みが見えてしまいます)。新しい配列を作る W ** 2 や np.abs(W) を使ってください",
)


def _penalty_check(
    name: str,
    name_ja: str,
    function: str,
    weights: Sequence[np.ndarray],
    lams: Sequence[float],
    variants: Callable[[float], Sequence[Variant]],
    hint: Text,
    context: Text,
) -> Check:
    """``function(weights, lam)`` for every lam, weights sent as a list; the arrays must not change."""
    reference = {"l2_penalty": l2_penalty, "l1_penalty": l1_penalty}[function]
    probe = Probe()
    refs: list[Ref] = [probe.array(W) for W in weights]
    listed = probe.list(*refs)
    for lam in lams:
        probe.save(probe.call(function, listed, lam), f"lam={lam!r}")
    for index, ref in enumerate(refs):
        probe.save(ref, f"input:weights[{index}]")
    originals = {f"weights[{index}]": W.copy() for index, W in enumerate(weights)}
    arrays = [W.copy() for W in weights]

    def verify(run: ProbeRun) -> Verdict:
        lines: list[Text] = []
        chosen: Text | None = None
        for lam in lams:
            got = run.output(f"lam={lam!r}")
            wrong = close(
                got, reference(arrays, lam), what=f"{function}(weights, {lam!r})", rtol=PENALTY_RTOL, atol=PENALTY_ATOL
            )
            if wrong and chosen is None:
                variant = matching_variant(got, variants(lam), PENALTY_RTOL, PENALTY_ATOL)
                chosen = variant.hint if variant else None
            lines += wrong
        modified = unchanged(run, function, originals)
        if modified and chosen is None:
            chosen = PENALTY_IN_PLACE_HINT
        return Verdict.unless(lines + modified, chosen)

    return Check(name, name_ja, probe, verify, hint=hint, context=context, error_hint=_stack_error_hint)


STACK_HINT = Text(
    "the arrays of the list have different shapes ((3, 4), (4, 2), a 4-D filter), so they can not be stacked "
    "or added into one array: loop over the list and add up np.sum(...) of each W",
    "リストの配列は形状が違う((3, 4)、(4, 2)、4 次元のフィルター)ので、1 つの配列に積み重ねたり足し合わせたり"
    "できません。リストをループして、W ごとの np.sum(...) を足し合わせてください",
)


def _stack_error_hint(exception: str, message: str) -> Text | None:
    """The hint for a penalty that tried to make one array of the differently shaped weights."""
    last = message.strip().splitlines()[-1] if message.strip() else ""
    words = ("same shape", "could not be broadcast", "inhomogeneous", "must match exactly")
    return STACK_HINT if any(word in last for word in words) else None


def _l2_variants(weights: Sequence[np.ndarray]) -> Callable[[float], list[Variant]]:
    def variants(lam: float) -> list[Variant]:
        squares = [float(np.sum(W**2)) for W in weights]
        return [
            Variant(
                lam * sum(squares),
                Text(
                    "the factor 0.5 is missing: the penalty is 0.5 * lam * sum(W ** 2), "
                    "the 0.5 is what makes its gradient simply lam * W",
                    "係数 0.5 が抜けています。ペナルティは 0.5 * lam * sum(W ** 2) で、"
                    "0.5 があるので勾配がちょうど lam * W になります",
                ),
            ),
            Variant(
                0.5 * lam * sum(float(np.mean(W**2)) for W in weights),
                Text(
                    "you averaged W ** 2 within each matrix; the penalty sums over every element: np.sum(W ** 2)",
                    "各行列で W ** 2 を平均しています。ペナルティはすべての要素の和です: np.sum(W ** 2)",
                ),
            ),
            Variant(
                0.5 * lam * sum(squares) / sum(W.size for W in weights),
                Text(
                    "you averaged over all elements; the penalty is a sum, not a mean",
                    "全要素で平均しています。ペナルティは平均ではなく和です",
                ),
            ),
            Variant(
                0.5 * lam * sum(squares) / len(weights),
                Text(
                    "you divided by the number of matrices; add the matrices' sums up, do not average them",
                    "行列の数で割っています。各行列の和を足し合わせるだけで、平均はとりません",
                ),
            ),
            Variant(
                0.5 * lam * squares[-1],
                Text(
                    "only the last matrix counts: the loop overwrites the total instead of adding to it (+=)",
                    "最後の行列だけが数えられています。ループで合計に足す(+=)のではなく上書きしています",
                ),
            ),
            Variant(
                0.5 * lam * squares[0],
                Text(
                    "only the first matrix counts: a return inside the loop? Sum over every matrix of the list",
                    "最初の行列だけが数えられています。ループの中で return していませんか? "
                    "リストのすべての行列を足してください",
                ),
            ),
            Variant(
                0.5 * lam * sum(np.sqrt(s) for s in squares),
                Text(
                    "you took the norm sqrt(sum(W ** 2)); the L2 penalty uses the squared norm sum(W ** 2)",
                    "ノルム sqrt(sum(W ** 2)) になっています。L2 ペナルティはノルムの 2 乗 sum(W ** 2) を使います",
                ),
            ),
            Variant(
                0.5 * sum(squares),
                Text("lam is missing: multiply by 0.5 * lam", "lam が抜けています。0.5 * lam を掛けてください"),
            ),
            Variant(
                0.5 * lam * lam * sum(squares),
                Text(
                    "lam is applied twice: 0.5 * lam * sum(W ** 2)", "lam を 2 回掛けています: 0.5 * lam * sum(W ** 2)"
                ),
            ),
            Variant(
                0.5 * lam * sum(float(np.sum(np.abs(W))) for W in weights),
                Text(
                    "that is built on abs(W) (L1); the L2 penalty squares the weights: W ** 2",
                    "abs(W)(L1)になっています。L2 ペナルティは重みの 2 乗 W ** 2 です",
                ),
            ),
        ]

    return variants


def _l1_variants(weights: Sequence[np.ndarray]) -> Callable[[float], list[Variant]]:
    def variants(lam: float) -> list[Variant]:
        absolutes = [float(np.sum(np.abs(W))) for W in weights]
        return [
            Variant(
                lam * sum(float(np.sum(W)) for W in weights),
                Text(
                    "abs is missing: positive and negative weights cancel; sum np.abs(W)",
                    "abs が抜けています。正と負の重みが打ち消し合っています。np.abs(W) を足してください",
                ),
            ),
            Variant(
                lam * sum(float(np.sum(W**2)) for W in weights),
                Text(
                    "you squared the weights (that is L2); the L1 penalty sums their absolute values: np.abs(W)",
                    "重みを 2 乗しています(それは L2 です)。L1 ペナルティは絶対値 np.abs(W) の和です",
                ),
            ),
            Variant(
                0.5 * lam * sum(absolutes),
                Text(
                    "no factor 0.5 in the L1 penalty: lam * sum(abs(W)) (the 0.5 belongs to L2)",
                    "L1 ペナルティに 0.5 は付きません: lam * sum(abs(W))(0.5 は L2 のものです)",
                ),
            ),
            Variant(
                lam * sum(float(np.mean(np.abs(W))) for W in weights),
                Text(
                    "you averaged abs(W) within each matrix; the penalty sums over every element",
                    "各行列で abs(W) を平均しています。ペナルティはすべての要素の和です",
                ),
            ),
            Variant(
                lam * absolutes[-1],
                Text(
                    "only the last matrix counts: the loop overwrites the total instead of adding to it (+=)",
                    "最後の行列だけが数えられています。ループで合計に足す(+=)のではなく上書きしています",
                ),
            ),
            Variant(
                lam * absolutes[0],
                Text(
                    "only the first matrix counts: sum over every matrix of the list",
                    "最初の行列だけが数えられています。リストのすべての行列を足してください",
                ),
            ),
            Variant(
                sum(absolutes),
                Text("lam is missing: multiply by lam", "lam が抜けています。lam を掛けてください"),
            ),
        ]

    return variants


def _penalty_checks() -> list[Check]:
    weights = _weights()
    hand = [np.array([[1.0, -2.0], [3.0, 0.0]])]
    l2_hint = Text(
        "add up np.sum(W ** 2) over every W in the list, then multiply once by 0.5 * lam",
        "リストのすべての W について np.sum(W ** 2) を足し合わせ、最後に 0.5 * lam を 1 回掛けてください",
    )
    l1_hint = Text(
        "add up np.sum(np.abs(W)) over every W in the list, then multiply by lam",
        "リストのすべての W について np.sum(np.abs(W)) を足し合わせ、lam を掛けてください",
    )
    return [
        _penalty_check(
            "l2_penalty: 0.5 * lam * sum of W² over a list of three arrays of different shapes",
            "l2_penalty: 形状の異なる 3 つの配列のリストで 0.5 * lam * (W² の総和)",
            "l2_penalty",
            weights,
            [0.1],
            _l2_variants(weights),
            l2_hint,
            Text(f"weights: arrays {SHAPES_TEXT}, lam = 0.1", f"weights: 形状 {SHAPES_TEXT} の配列、lam = 0.1"),
        ),
        _penalty_check(
            "l2_penalty: worked by hand, [[1, -2], [3, 0]] gives 3.5 for lam = 0.5 and 14 for lam = 2",
            "l2_penalty: 手計算で [[1, -2], [3, 0]] は lam = 0.5 で 3.5、lam = 2 で 14",
            "l2_penalty",
            hand,
            [0.5, 2.0],
            _l2_variants(hand),
            l2_hint,
            Text(
                "weights = [np.array([[1., -2.], [3., 0.]])]: 0.5 * lam * (1 + 4 + 9 + 0)",
                "weights = [np.array([[1., -2.], [3., 0.]])]: 0.5 * lam * (1 + 4 + 9 + 0)",
            ),
        ),
        _penalty_check(
            "l1_penalty: lam * sum of |W| over a list of three arrays of different shapes",
            "l1_penalty: 形状の異なる 3 つの配列のリストで lam * (|W| の総和)",
            "l1_penalty",
            weights,
            [0.1, 0.03],
            _l1_variants(weights),
            l1_hint,
            Text(
                f"weights: arrays {SHAPES_TEXT} with both signs, lam = 0.1 and 0.03",
                f"weights: 正負の値をもつ形状 {SHAPES_TEXT} の配列、lam = 0.1 と 0.03",
            ),
        ),
    ]


def _gradient_checks() -> list[Check]:
    rng = generator(92)
    filters = rng.normal(0.0, 0.8, size=(2, 3, 2, 2))
    lam = 0.1
    matrix = rng.normal(0.0, 0.8, size=(3, 4))
    matrix[0, 1] = matrix[2, 2] = matrix[1, 3] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        divided = lam * matrix / np.abs(matrix)
    checks = [
        output_check(
            "l2_grad: lam * W for a 4-D (2, 3, 2, 2) filter, W left unchanged",
            "l2_grad: 4 次元 (2, 3, 2, 2) のフィルターで lam * W、W は変更しない",
            "l2_grad",
            [filters, lam],
            l2_grad(filters, lam),
            arg_names=["W", "lam"],
            rtol=1e-12,
            atol=1e-15,
            hint=Text(
                "the derivative of 0.5 * lam * W ** 2 is lam * W, elementwise, of W's shape",
                "0.5 * lam * W ** 2 の微分は要素ごとに lam * W で、形状は W と同じです",
            ),
            variants=[
                Variant(
                    2 * lam * filters,
                    Text(
                        "twice too large: the 0.5 of the penalty cancels the 2 of d(W²)/dW, so the gradient is lam * W",
                        "2 倍になっています。ペナルティの 0.5 と d(W²)/dW の 2 が打ち消し合うので、勾配は lam * W です",
                    ),
                ),
                Variant(
                    0.5 * lam * filters,
                    Text(
                        "half too small: d(0.5 * lam * W²)/dW = lam * W",
                        "半分になっています: d(0.5 * lam * W²)/dW = lam * W",
                    ),
                ),
                Variant(
                    filters,
                    Text("lam is missing: the gradient is lam * W", "lam が抜けています。勾配は lam * W です"),
                ),
                Variant(
                    filters - lam * filters,
                    Text(
                        "that is the decayed weight W - lam * W (an update step); return only the gradient lam * W, "
                        "which the optimizer adds to dW",
                        "それは減衰後の重み W - lam * W(更新の 1 ステップ)です。勾配 lam * W だけを返してください"
                        "(最適化手法が dW に足して使います)",
                    ),
                ),
                Variant(
                    lam * np.sign(filters),
                    Text(
                        "lam * sign(W) is L1's gradient; L2's is lam * W",
                        "lam * sign(W) は L1 の勾配です。L2 は lam * W です",
                    ),
                ),
            ],
        ),
        output_check(
            "l1_grad: lam * sign(W), 0 where W == 0",
            "l1_grad: lam * sign(W)、W == 0 では 0",
            "l1_grad",
            [matrix, lam],
            l1_grad(matrix, lam),
            arg_names=["W", "lam"],
            rtol=1e-12,
            atol=1e-15,
            hint=Text(
                "lam * np.sign(W): +lam where W > 0, -lam where W < 0 and 0 where W == 0",
                "lam * np.sign(W): W > 0 で +lam、W < 0 で -lam、W == 0 で 0 です",
            ),
            variants=[
                Variant(
                    np.where(matrix >= 0, lam, -lam),
                    Text(
                        "at W == 0 the subgradient used is 0 (np.sign(0) is 0); "
                        "np.where(W >= 0, lam, -lam) gives +lam there",
                        "W == 0 では劣勾配として 0 を使います(np.sign(0) は 0)。"
                        "np.where(W >= 0, lam, -lam) ではそこが +lam になります",
                    ),
                ),
                Variant(
                    divided,
                    Text(
                        "W / abs(W) divides by zero where W == 0 (nan); use np.sign(W), which is 0 there",
                        "W / abs(W) は W == 0 で 0 で割ることになります(nan)。"
                        "そこで 0 になる np.sign(W) を使ってください",
                    ),
                ),
                Variant(
                    lam * (matrix > 0),
                    Text(
                        "negative weights get -lam: use np.sign(W), not W > 0",
                        "負の重みには -lam です。W > 0 ではなく np.sign(W) を使ってください",
                    ),
                ),
                Variant(
                    lam * matrix,
                    Text(
                        "lam * W is L2's gradient; L1's is lam * sign(W)",
                        "lam * W は L2 の勾配です。L1 は lam * sign(W) です",
                    ),
                ),
                Variant(
                    np.sign(matrix),
                    Text(
                        "lam is missing: the gradient is lam * sign(W)", "lam が抜けています。勾配は lam * sign(W) です"
                    ),
                ),
            ],
        ),
    ]
    contexts = [
        Text("W (2, 3, 2, 2), lam = 0.1", "W (2, 3, 2, 2)、lam = 0.1"),
        Text("W (3, 4) with three exact zeros, lam = 0.1", "ちょうど 0 の要素を 3 つ含む W (3, 4)、lam = 0.1"),
    ]
    return [replace(check, context=context) for check, context in zip(checks, contexts, strict=True)]


def build_checks() -> list[Check]:
    """Every check of exercise 9."""
    return [
        *_initialiser_checks(XAVIER),
        *_initialiser_checks(HE),
        *_penalty_checks(),
        *_gradient_checks(),
    ]
