"""Checks for exercise 8: the convolution and max-pooling layers.

Three oracles, so no answer is judged only against code of the same making:

- forward outputs against a plain loop over the output positions, computed
  here without im2col (an im2col/col2im pair that is wrong in the same way in
  forward and backward passes any gradient check, but not this);
- gradients against the reference implementation (correctness), always with
  a random ``dout`` (an all-ones ``dout`` hides a missing transpose);
- gradients against the numerical gradient of the learner's OWN forward
  (self-consistency): the probe runs the learner's forward at ``x + h v`` and
  ``x - h v`` (likewise ``W`` and ``b``) for a few random directions ``v``, and
  the directional derivative ``(L(p + h v) - L(p - h v)) / 2h`` of
  ``L = sum(dout * out)`` is compared here with ``sum(grad * v)``.

Convolution is linear in each of ``x``, ``W`` and ``b``, and max pooling is
piecewise linear; pooling inputs are a permutation of distinct values spaced
far wider than ``h``, so no window's maximum changes.  Central differences are
then exact up to rounding and the directional tolerance can be tight (1e-6),
tight enough that one wrong element among a hundred shows.  The feedback says
which oracle failed: "your backward disagrees with your own forward at
dW[2, 0, 1, 1]" and "your forward is wrong" are different lessons.

Every layer is also checked for what a gradient must satisfy whatever the
values: ``backward`` is linear in ``dout``, gives the same answer when called
twice, and changes neither ``dout`` nor the forward's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from grader.checks.common import generator
from grader.grading.compare import mismatch, value_of
from grader.grading.engine import Check, Failure, Verdict
from grader.sandbox.client import Output, Probe, ProbeRun, Ref
from grader.text import Text
from reference import Convolution, Pooling, col2im, conv_output_size, im2col

FORWARD_RTOL = 1e-9
FORWARD_ATOL = 1e-12
GRADIENT_RTOL = 1e-7
DIRECTIONAL_RTOL = 1e-6
STEP = 1e-3  # h of the central differences; exact for (piecewise) linear layers
DIRECTIONS = 2  # random directions per parameter of a convolution
POOL_DIRECTIONS = 3  # pooling has x only
POOL_SPACING_MIN = 20 * STEP  # distinct pooling inputs are at least this far apart

ShapeHints = Sequence[tuple[tuple[int, ...], Text]]

# ---------------------------------------------------------------------------
# oracles computed here: plain loops over the output positions, no im2col
# ---------------------------------------------------------------------------


def _padded(x: np.ndarray, pad: int) -> np.ndarray:
    return np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])


def loop_convolution(x: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """out[n, f, i, j] = sum(x_pad[n, :, i*stride : i*stride + FH, j*stride : j*stride + FW] * W[f]) + b[f].

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    W : ndarray, shape (FN, C, FH, FW)
    b : ndarray, shape (FN,)

    Returns
    -------
    ndarray, shape (N, FN, OH, OW), float64
        Cross-correlation (the filter is not flipped), as in every DL library.
    """
    N, _C, H, Wd = x.shape
    FN, _, FH, FW = W.shape
    out_h, out_w = (H + 2 * pad - FH) // stride + 1, (Wd + 2 * pad - FW) // stride + 1
    img = _padded(np.asarray(x, dtype=np.float64), pad)
    out = np.empty((N, FN, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = img[:, :, i * stride : i * stride + FH, j * stride : j * stride + FW]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, W) + b
    return out


def loop_max_pool(x: np.ndarray, pool_h: int, pool_w: int, stride: int, pad: int) -> np.ndarray:
    """out[n, c, i, j] = max of x_pad[n, c, i*stride : i*stride + pool_h, j*stride : j*stride + pool_w].

    Zero padding, as the textbook's im2col pads; the checks that pad use
    positive inputs, so padding with -inf (PyTorch's choice) gives the same.
    """
    N, C, H, W = x.shape
    out_h, out_w = (H + 2 * pad - pool_h) // stride + 1, (W + 2 * pad - pool_w) // stride + 1
    img = _padded(np.asarray(x, dtype=np.float64), pad)
    out = np.empty((N, C, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[:, :, i, j] = img[:, :, i * stride : i * stride + pool_h, j * stride : j * stride + pool_w].max(
                axis=(2, 3)
            )
    return out


def loop_pool_routing(
    x: np.ndarray, dout: np.ndarray, pool_h: int, pool_w: int, stride: int, pad: int, *, mode: str = "max"
) -> np.ndarray:
    """The gradient dx of max pooling by a loop over the windows, and classic wrong versions of it.

    ``mode``: "max" adds dout at each window's maximum (right); "overwrite"
    assigns it there (``=`` instead of ``+=``); "window" assigns the whole
    window, zeros included, so a later window wipes an earlier one's gradient.
    """
    N, C, H, W = x.shape
    _, _, out_h, out_w = dout.shape
    img = _padded(np.asarray(x, dtype=np.float64), pad)
    dimg = np.zeros_like(img)
    for n in range(N):
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    y, z = i * stride, j * stride
                    window = img[n, c, y : y + pool_h, z : z + pool_w]
                    fy, fx = np.unravel_index(int(np.argmax(window)), window.shape)
                    if mode == "window":
                        routed = np.zeros_like(window)
                        routed[fy, fx] = dout[n, c, i, j]
                        dimg[n, c, y : y + pool_h, z : z + pool_w] = routed
                    elif mode == "overwrite":
                        dimg[n, c, y + fy, z + fx] = dout[n, c, i, j]
                    else:
                        dimg[n, c, y + fy, z + fx] += dout[n, c, i, j]
    return dimg[:, :, pad : pad + H, pad : pad + W]


def _shared_maxima(x: np.ndarray, pool_h: int, pool_w: int, stride: int, pad: int) -> int:
    """How many pixels are the maximum of two or more windows (their gradients must add up)."""
    N, C, H, W = x.shape
    out_h, out_w = conv_output_size(H, pool_h, stride, pad), conv_output_size(W, pool_w, stride, pad)
    counts = loop_pool_routing(x, np.ones((N, C, out_h, out_w)), pool_h, pool_w, stride, pad)
    return int(np.sum(counts >= 2))


def _distinct(seed: int, shape: tuple[int, ...], low: float, high: float) -> np.ndarray:
    """A random permutation of evenly spaced values: no ties, so every window has one maximum."""
    values = np.linspace(low, high, int(np.prod(shape)))
    if values[1] - values[0] < POOL_SPACING_MIN:
        raise ValueError(f"values {high - low} wide are too close for {values.size} elements")
    return generator(seed).permutation(values).reshape(shape)


def _pool_input(seed: int, shape: tuple[int, ...], setting: PoolSetting, low: float, high: float) -> np.ndarray:
    """Distinct values where at least two pixels are the maximum of several overlapping windows."""
    for attempt in range(100):
        x = _distinct(seed + 1000 * attempt, shape, low, high)
        if _shared_maxima(x, *setting.args) >= 2:
            return x
    raise RuntimeError("no input with shared maxima found; choose another shape")  # pragma: no cover


def _directions(rng: np.random.Generator, shape: tuple[int, ...], count: int = DIRECTIONS) -> tuple[np.ndarray, ...]:
    """Random directions with max |v| = 1, so x + h v moves no element by more than h."""
    found = []
    for _ in range(count):
        v = rng.normal(size=shape)
        found.append(v / np.max(np.abs(v)))
    return tuple(found)


# ---------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvSetting:
    """A convolution input: x and W shapes, stride and pad."""

    x_shape: tuple[int, int, int, int]
    w_shape: tuple[int, int, int, int]
    stride: int
    pad: int

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """(N, FN, OH, OW)."""
        N, _C, H, W = self.x_shape
        FN, _, FH, FW = self.w_shape
        return (N, FN, conv_output_size(H, FH, self.stride, self.pad), conv_output_size(W, FW, self.stride, self.pad))

    def context(self, extra: Text | None = None) -> Text:
        """The input as the learner reads it, followed by ``extra``."""
        FN, _C, FH, FW = self.w_shape
        common = f"x {self.x_shape}, W {self.w_shape}, b ({FN},), stride {self.stride}, pad {self.pad}"
        text = Text(
            f"{common} ({FN} filters {FH}x{FW}); out {self.out_shape}",
            f"{common}({FH}x{FW} のフィルター {FN} 枚); out {self.out_shape}",
        )
        return _joined(text, extra)


@dataclass(frozen=True)
class PoolSetting:
    """A pooling window: pool_h, pool_w, stride, pad."""

    pool_h: int
    pool_w: int
    stride: int
    pad: int

    @property
    def args(self) -> tuple[int, int, int, int]:
        """The constructor's arguments, in the contract's order."""
        return (self.pool_h, self.pool_w, self.stride, self.pad)

    def out_shape(self, x_shape: Sequence[int]) -> tuple[int, int, int, int]:
        """(N, C, OH, OW)."""
        N, C, H, W = x_shape
        return (
            N,
            C,
            conv_output_size(H, self.pool_h, self.stride, self.pad),
            conv_output_size(W, self.pool_w, self.stride, self.pad),
        )

    def context(self, x: np.ndarray, *extra: Text) -> Text:
        """The input as the learner reads it, followed by ``extra``."""
        low, high = float(x.min()), float(x.max())
        layer = f"Pooling({self.pool_h}, {self.pool_w}, stride={self.stride}, pad={self.pad})"
        text = Text(
            f"x {x.shape} of distinct values in [{low:g}, {high:g}] (no ties), {layer}; out {self.out_shape(x.shape)}",
            f"x {x.shape}([{low:g}, {high:g}] の互いに異なる値、同じ値なし)、{layer}; out {self.out_shape(x.shape)}",
        )
        for item in extra:
            text = _joined(text, item)
        return text


def _joined(text: Text, extra: Text | None) -> Text:
    """``text; extra`` in both languages (``text`` alone when ``extra`` is empty)."""
    if extra is None or not extra.en:
        return text
    return Text(f"{text.en}; {extra.en}", f"{text.ja}; {extra.ja}")


# ---------------------------------------------------------------------------
# shared judging
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A known wrong value of one output and the misconception that produces it."""

    name: str  # which output: "out", "dx", "dW", "db"
    value: np.ndarray
    hint: Text


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    return not mismatch(got, expected, what="", rtol=rtol, atol=atol)


def _gradient_atol(expected: np.ndarray) -> float:
    """The floor of the relative error: tiny gradients are compared with the array's scale."""
    return 1e-9 * max(1.0, float(np.max(np.abs(expected))) if expected.size else 1.0)


def _known_hint(got: np.ndarray, name: str, known: Sequence[Known], rtol: float, atol: float) -> Text | None:
    for item in known:
        if item.name == name and item.value.shape == got.shape and _close(got, item.value, rtol, atol):
            return item.hint
    return None


def _shape_hint(got: np.ndarray, hints: ShapeHints) -> Text | None:
    for shape, hint in hints:
        if got.shape == tuple(shape):
            return hint
    return None


def _unchanged(run: ProbeRun, originals: dict[str, np.ndarray], who: str) -> list[Text]:
    """Lines naming every input the layer changed in place."""
    lines = []
    for label, original in originals.items():
        after = run.output(f"input:{label}").array
        if after is None or after.shape != original.shape or not np.array_equal(after, original):
            lines.append(
                Text(
                    f"{who} changed its argument {label} in place; the caller's array must stay as it was",
                    f"{who} が引数 {label} をその場で書き換えました。呼び出し元の配列はそのままにしてください",
                )
            )
    return lines


CALLS = Text(
    "forward(x); backward(dout); backward(dout) again; backward(2 * dout)",
    "forward(x)、backward(dout)、もう一度 backward(dout)、backward(2 * dout)",
)
IN_PLACE_HINT = Text(
    "a layer must not write into the arrays it is given: dout and x belong to the caller (the next layer "
    "and the optimizer still use them); `a = a.reshape(...)` or `a = a * 2` make new arrays, "
    "`a *= 2`, `a -= ...` or `a[...] = ...` change the caller's",
    "レイヤは受け取った配列に書き込んではいけません。dout や x は呼び出し元のもの(次のレイヤや最適化でも使う)です。"
    "`a = a.reshape(...)` や `a = a * 2` は新しい配列を作りますが、`a *= 2`、`a -= ...`、`a[...] = ...` は"
    "呼び出し元の配列を変えます",
)
FORWARD_FIRST_HINT = Text(
    "your backward is consistent with your own forward, so the gradients are wrong only because the forward "
    "is: fix the forward first (the forward checks show how), and the gradients will follow",
    "逆伝播は自分の順伝播と整合しているので、勾配が違うのは順伝播が違うためです。先に順伝播を直してください"
    "(順伝播のチェックに手がかりがあります)。勾配もそれで正しくなります",
)


@dataclass(frozen=True)
class Param:
    """A value the forward depends on, the gradient backward gives for it, and how to perturb it."""

    name: str  # "x", "W", "b"
    grad: str  # "dx", "dW", "db"
    value: np.ndarray
    expected: np.ndarray  # the reference's gradient
    directions: tuple[np.ndarray, ...]
    attribute: bool  # the gradient is an attribute (self.dW) rather than backward's return value

    def output(self, index: int, sign: str) -> str:
        """The probe output holding the forward at value + h v (sign "+") or value - h v."""
        return f"{self.name}{index}{sign}"


@dataclass(frozen=True)
class GradientCase:
    """Everything a gradient check needs: inputs, expected values and the known wrong answers."""

    layer: str
    dout: np.ndarray
    out: np.ndarray  # the loop oracle's forward at the unperturbed inputs
    params: tuple[Param, ...]
    forward_at: Callable[[str, np.ndarray], np.ndarray]  # the loop oracle with one input replaced
    known: tuple[Known, ...] = ()
    shape_hints: dict[str, ShapeHints] = field(default_factory=dict)
    backward_hint: Text | None = None
    forward_hint: Text | None = None


def _attribute_missing(layer: str, grad: str) -> Text:
    return Text(
        f"self.{grad} is None after {layer}.backward: backward must store the gradient as self.{grad}",
        f"{layer}.backward の後も self.{grad} が None です。backward の中で self.{grad} に勾配を保存してください",
    )


def _gradient_of(run: ProbeRun, case: GradientCase, param: Param) -> tuple[np.ndarray | None, list[Text], Text | None]:
    """The learner's gradient for ``param``, or lines (and a hint) saying why it is unusable."""
    got = run.output(param.grad)
    if param.attribute and got.kind == "none":
        return None, [_attribute_missing(case.layer, param.grad)], None
    what = f"self.{param.grad}" if param.attribute else f"{case.layer}.backward(dout)"
    array, problems = value_of(got, what)
    if problems:
        return None, problems, None
    assert array is not None
    if array.shape != param.expected.shape:
        label = f"self.{param.grad}" if param.attribute else f"dx = {case.layer}.backward(dout)"
        lines = [
            Text(
                f"{label} has shape {array.shape}; expected {param.expected.shape}, the shape of {param.name}",
                f"{label} の形状が {array.shape} です。{param.name} と同じ {param.expected.shape} のはずです",
            )
        ]
        return None, lines, _shape_hint(array, case.shape_hints.get(param.grad, ()))
    return array.astype(np.float64), [], None


@dataclass
class _Slope:
    """One directional derivative: backward's sum(grad * v) against the forward's central difference."""

    analytic: float
    numeric: float
    ok: bool


def _slopes(run: ProbeRun, case: GradientCase, param: Param, grad: np.ndarray) -> list[_Slope] | None:
    """Directional derivatives of the learner's forward; None when its outputs are unusable."""
    found = []
    for index, v in enumerate(param.directions):
        plus, _ = value_of(run.output(param.output(index, "+")), "forward")
        minus, _ = value_of(run.output(param.output(index, "-")), "forward")
        if plus is None or minus is None or plus.shape != case.dout.shape or minus.shape != case.dout.shape:
            return None
        change = case.dout * (plus.astype(np.float64) - minus.astype(np.float64))
        numeric = float(np.sum(change)) / (2 * STEP)
        analytic = float(np.sum(grad * v))
        scale = max(abs(numeric), abs(analytic), float(np.sum(np.abs(change))) / (2 * STEP))
        ok = bool(np.isfinite(analytic) and np.isfinite(numeric)) and abs(analytic - numeric) <= (
            DIRECTIONAL_RTOL * scale + 1e-12
        )
        found.append(_Slope(analytic, numeric, ok))
    return found


def _forward_right_everywhere(run: ProbeRun, case: GradientCase) -> bool:
    """Whether the learner's forward equals the loop oracle at every point the probe evaluated."""
    out, _ = value_of(run.output("out"), "forward")
    if out is None or out.shape != case.out.shape or not _close(out, case.out, FORWARD_RTOL * 100, FORWARD_ATOL):
        return False
    for param in case.params:
        for index, v in enumerate(param.directions):
            for sign, factor in (("+", 1.0), ("-", -1.0)):
                got, _ = value_of(run.output(param.output(index, sign)), "forward")
                expected = case.forward_at(param.name, param.value + factor * STEP * v)
                if got is None or got.shape != expected.shape:
                    return False
                if not _close(got, expected, FORWARD_RTOL * 100, FORWARD_ATOL):
                    return False
    return True


def _worst(got: np.ndarray, expected: np.ndarray) -> tuple[tuple[int, ...], str, int, int]:
    """The index of the largest difference (and as text), how many values differ, and how many there are."""
    error = np.abs(got - expected)
    limit = _gradient_atol(expected) + GRADIENT_RTOL * np.abs(expected)
    bad = ~(error <= limit)
    flat = int(np.argmax(np.where(np.isfinite(error), error, np.inf)))
    index = tuple(int(i) for i in np.unravel_index(flat, got.shape))
    return index, "[" + ", ".join(map(str, index)) + "]", int(bad.sum()), int(bad.size)


def _slope_line(param: Param, slope: _Slope) -> Text:
    p, g = param.name, param.grad
    return Text(
        f"along a random direction v of {p}: your backward gives sum({g} * v) = {slope.analytic:.10g}, "
        f"your forward changes L = sum(dout * out) at the rate (L({p} + h v) - L({p} - h v)) / 2h = "
        f"{slope.numeric:.10g} (h = {STEP:g})",
        f"{p} のランダムな方向 v について: 逆伝播からは sum({g} * v) = {slope.analytic:.10g}、"
        f"順伝播からは L = sum(dout * out) の変化率 (L({p} + h v) - L({p} - h v)) / 2h = {slope.numeric:.10g}"
        f"(h = {STEP:g})",
    )


def gradient_verdict(run: ProbeRun, case: GradientCase) -> Verdict:
    """Judge forward, gradients and their self-consistency; say which one failed."""
    out, problems = value_of(run.output("out"), f"{case.layer}.forward(x)")
    if problems:
        return problems
    assert out is not None
    if out.shape != case.out.shape:
        return Failure(
            [
                Text(
                    f"{case.layer}.forward(x) has shape {out.shape}; expected {case.out.shape}. "
                    "The gradients can not be checked until the forward's shape is right",
                    f"{case.layer}.forward(x) の形状が {out.shape} です。期待される形状は {case.out.shape} です。"
                    "順伝播の形状が正しくなるまで勾配は確認できません",
                )
            ],
            _shape_hint(out, case.shape_hints.get("out", ())),
        )
    forward_right = _close(out, case.out, FORWARD_RTOL * 100, FORWARD_ATOL)

    grads: dict[str, np.ndarray] = {}
    unusable: list[Text] = []
    unusable_hint: Text | None = None
    for param in case.params:
        array, lines, hint = _gradient_of(run, case, param)
        unusable += lines
        unusable_hint = unusable_hint or hint
        if array is not None:
            grads[param.grad] = array
    if unusable:
        return Failure(unusable, unusable_hint)

    lines: list[Text] = []
    hint: Text | None = None
    if not forward_right:
        lines.append(
            Text(
                "your forward is wrong (see the forward checks); compared with a loop over the windows:",
                "順伝播が間違っています(順伝播のチェックを参照)。ウィンドウごとのループとの比較:",
            )
        )
        lines += mismatch(out, case.out, what="out", rtol=FORWARD_RTOL, atol=FORWARD_ATOL)[:1]
        hint = _known_hint(out, "out", case.known, FORWARD_RTOL, FORWARD_ATOL)

    inconsistent_anywhere = False
    follow_forward: list[str] = []
    right_backward: list[tuple[Param, _Slope]] = []
    any_wrong = False
    everywhere: bool | None = None  # computed only when needed
    for param in case.params:
        grad = grads[param.grad]
        g = param.grad
        correct = _close(grad, param.expected, GRADIENT_RTOL, _gradient_atol(param.expected))
        slopes = _slopes(run, case, param, grad)
        consistent = slopes is not None and all(slope.ok for slope in slopes)
        failing = next((slope for slope in slopes or [] if not slope.ok), None)
        if correct and consistent:
            continue
        any_wrong = any_wrong or not correct
        inconsistent_anywhere = inconsistent_anywhere or not consistent
        if not correct:
            hint = hint or _known_hint(grad, g, case.known, GRADIENT_RTOL, _gradient_atol(param.expected))
        if consistent and not forward_right:
            # the right slope of a wrong forward: said once for all such gradients, below
            follow_forward.append(g)
            continue
        if consistent:
            at, where, bad, total = _worst(grad, param.expected)
            lines.append(
                Text(
                    f"{g} differs from the correct gradient: {bad} of {total} values differ, most at {g}{where} "
                    f"(expected {param.expected[at]:.8g}, got {grad[at]:.8g})",
                    f"{g} が正しい勾配と違います。{total} 個中 {bad} 個が不一致で、最大は {g}{where}"
                    f"(期待値 {param.expected[at]:.8g}、あなたの値 {grad[at]:.8g})",
                )
            )
            continue
        if slopes is None:
            lines.append(
                Text(
                    f"{g} could not be compared with your own forward: forward returned no array of "
                    f"shape {case.dout.shape} at a perturbed input",
                    f"{g} を自分の順伝播と比べられませんでした。少しずらした入力で順伝播が形状 "
                    f"{case.dout.shape} の配列を返しませんでした",
                )
            )
            continue
        if correct:
            # a right backward of a wrong forward: said once for all such gradients, below
            assert failing is not None
            right_backward.append((param, failing))
            continue
        if everywhere is None:
            everywhere = _forward_right_everywhere(run, case)
        at, where, bad, total = _worst(grad, param.expected)
        if everywhere:
            # the forward equals the loop oracle at every evaluated point, so its slope is the true gradient
            lines.append(
                Text(
                    f"your backward disagrees with your own forward at {g}{where}: backward gives "
                    f"{grad[at]:.8g}, the slope of your forward there is "
                    f"{param.expected[at]:.8g} ({bad} of {total} values of {g} differ; your forward "
                    "is right, so its slope is the true gradient)",
                    f"逆伝播が自分の順伝播と {g}{where} で食い違っています。逆伝播の値は "
                    f"{grad[at]:.8g}、順伝播のそこでの傾きは {param.expected[at]:.8g} です"
                    f"({g} の {total} 個中 {bad} 個が不一致。順伝播は正しいので、その傾きが本当の勾配です)",
                )
            )
        else:
            lines.append(
                Text(
                    f"your backward disagrees with your own forward for {g}, and {g} is not the correct gradient "
                    f"either: {bad} of {total} values differ, most at {g}{where} "
                    f"(expected {param.expected[at]:.8g}, got {grad[at]:.8g})",
                    f"{g} は自分の順伝播とも食い違い、正しい勾配とも違います。{total} 個中 {bad} 個が不一致で、"
                    f"最大は {g}{where}(期待値 {param.expected[at]:.8g}、"
                    f"あなたの値 {grad[at]:.8g})",
                )
            )
        assert failing is not None
        lines.append(_slope_line(param, failing))

    if right_backward:
        names = ", ".join(param.grad for param, _slope in right_backward)
        lines.append(
            Text(
                f"{names}: your backward gives the correct "
                + ("gradients" if len(right_backward) > 1 else "gradient")
                + ", but your forward does not change at that rate, so the forward is what is wrong; for example",
                f"{names}: 逆伝播は正しい勾配を返していますが、順伝播の変化率がそれと合いません。"
                "間違っているのは順伝播です。例えば",
            )
        )
        lines.append(_slope_line(*right_backward[0]))
    if follow_forward:
        names = ", ".join(follow_forward)
        lines.append(
            Text(
                f"your backward agrees with your own forward: {names} "
                + ("match" if len(follow_forward) > 1 else "matches")
                + " the numerical gradients of your forward along random directions; the difference from "
                "the correct gradients comes only from the wrong forward",
                f"逆伝播は自分の順伝播と整合しています({names} はランダムな方向の順伝播の数値微分と一致)。"
                "正しい勾配と違うのは、順伝播が間違っているためです",
            )
        )
    if not lines:
        return None
    if hint is None:
        if not forward_right and not inconsistent_anywhere:
            hint = FORWARD_FIRST_HINT
        elif any_wrong and forward_right:
            hint = case.backward_hint
        elif not forward_right:
            hint = case.forward_hint
    return Failure(lines, hint)


def _gradient_probe(
    case: GradientCase,
    run_forward: Callable[[Probe, dict[str, Ref]], tuple[Ref, Ref]],
) -> Probe:
    """Forward and backward once, then the forward alone at p +- h v for every parameter p and direction v.

    ``run_forward(probe, values)`` builds a fresh layer from ``values`` (refs by
    parameter name) and returns the layer and its forward output.
    """
    probe = Probe()
    refs = {param.name: probe.array(param.value) for param in case.params}
    layer, out = run_forward(probe, refs)
    probe.save(out, "out")
    dx = probe.method(layer, "backward", probe.array(case.dout))
    for param in case.params:
        probe.save(probe.attr(layer, param.grad) if param.attribute else dx, param.grad)
    for param in case.params:
        for index, v in enumerate(param.directions):
            for sign, factor in (("+", 1.0), ("-", -1.0)):
                values = dict(refs)
                values[param.name] = probe.array(param.value + factor * STEP * v)
                _layer, moved = run_forward(probe, values)
                probe.save(moved, param.output(index, sign))
    return probe


def _properties_probe(
    run_forward: Callable[[Probe, dict[str, Ref]], tuple[Ref, Ref]],
    inputs: dict[str, np.ndarray],
    dout: np.ndarray,
    grads: Sequence[tuple[str, bool]],
) -> Probe:
    """forward(x); backward(dout) twice; backward(2 * dout); then every input as it is afterwards."""
    probe = Probe()
    refs = {name: probe.array(value) for name, value in inputs.items()}
    layer, _out = run_forward(probe, refs)
    dout_ref = probe.array(dout)
    double_ref = probe.array(2 * dout)
    for label, argument in (("first", dout_ref), ("again", dout_ref), ("double", double_ref)):
        dx = probe.method(layer, "backward", argument)
        # saved at once: a later call may change the same arrays in place
        for grad, attribute in grads:
            probe.save(probe.attr(layer, grad) if attribute else dx, f"{label}:{grad}")
    probe.save(dout_ref, "input:dout")
    probe.save(double_ref, "input:2 * dout")
    for name, ref in refs.items():
        probe.save(ref, f"input:{name}")
    return probe


def properties_verdict(
    run: ProbeRun,
    layer: str,
    grads: Sequence[tuple[str, bool]],
    originals: dict[str, np.ndarray],
) -> Verdict:
    """Same answer twice, linear in dout, inputs unchanged."""
    arrays: dict[str, np.ndarray] = {}
    for label in ("first", "again", "double"):
        for grad, attribute in grads:
            got = run.output(f"{label}:{grad}")
            if attribute and got.kind == "none":
                return Failure([_attribute_missing(layer, grad)])
            array, problems = value_of(got, f"self.{grad}" if attribute else f"{layer}.backward(dout)")
            if problems:
                return problems
            assert array is not None
            arrays[f"{label}:{grad}"] = array.astype(np.float64)
    changed = _unchanged(run, originals, layer)
    lines: list[Text] = []
    hint: Text | None = None
    for grad, _attribute in grads:
        first, again, double = (arrays[f"{label}:{grad}"] for label in ("first", "again", "double"))
        atol = _gradient_atol(first) * 1e-3
        if again.shape != first.shape or not _close(again, first, 1e-12, atol):
            lines.append(
                Text(
                    f"calling backward(dout) a second time with the same dout gave another {grad}:",
                    f"同じ dout でもう一度 backward(dout) を呼ぶと {grad} が変わりました:",
                )
            )
            lines += mismatch(again, first, what=f"{grad} (2nd call)", rtol=1e-12, atol=atol)[:1]
            if again.shape == first.shape and _close(again, 2 * first, 1e-9, atol):
                hint = hint or Text(
                    f"the second call doubled {grad}: it is added to what the first call left "
                    f"(self.{grad} += ...); compute it afresh each time (self.{grad} = ...)",
                    f"2 回目の呼び出しで {grad} が 2 倍になりました。前回の値に足しています"
                    f"(self.{grad} += ...)。毎回新しく計算してください(self.{grad} = ...)",
                )
            else:
                hint = hint or Text(
                    "backward must be a function of dout and what forward stored: it must not change "
                    "the layer's state (or dout) in a way the next call sees",
                    "backward は dout と forward が保存した値だけで決まる計算です。次の呼び出しに影響するような"
                    "状態(や dout)の変更をしてはいけません",
                )
            continue
        if double.shape != first.shape or not _close(double, 2 * first, 1e-9, atol * 2):
            lines.append(
                Text(
                    f"backward(2 * dout) did not give twice the {grad} of backward(dout):",
                    f"backward(2 * dout) の {grad} が backward(dout) の 2 倍になりませんでした:",
                )
            )
            lines += mismatch(double, 2 * first, what=f"{grad} of backward(2 * dout)", rtol=1e-9, atol=atol * 2)[:1]
            hint = hint or Text(
                "a gradient is linear in dout: dout times something forward fixed (the inputs, the weights, "
                "the positions of the maxima); do not normalise, clip or threshold dout",
                "勾配は dout について線形です(dout に forward で決まった量を掛けたもの)。"
                "dout を正規化したり、クリップしたり、しきい値で切ったりしないでください",
            )
    if changed:
        return Failure(changed + lines, IN_PLACE_HINT)
    if lines:
        return Failure(lines, hint)
    return None


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------

CONV_FORWARD_HINT = Text(
    "out[n, f, i, j] = sum over c, y, x of x_pad[n, c, i * stride + y, j * stride + x] * W[f, c, y, x] + b[f]; "
    "with im2col: col @ W.reshape(FN, -1).T + b, reshaped to (N, OH, OW, FN), then transpose(0, 3, 1, 2). "
    "If your im2col is not right yet, grade exercise 5 first",
    "out[n, f, i, j] = (c, y, x についての x_pad[n, c, i * stride + y, j * stride + x] * W[f, c, y, x] の和) + b[f]"
    " です。im2col を使うと col @ W.reshape(FN, -1).T + b を (N, OH, OW, FN) に reshape して "
    "transpose(0, 3, 1, 2) します。im2col がまだ正しくなければ、先に grade exercise 5 を通してください",
)
CONV_BACKWARD_HINT = Text(
    "undo forward's last step first: rows = dout.transpose(0, 2, 3, 1).reshape(-1, FN); then "
    "db = rows.sum(axis=0), dW = (col.T @ rows).T.reshape(FN, C, FH, FW), "
    "dx = col2im(rows @ col_W.T, x.shape, FH, FW, stride, pad)",
    "まず forward の最後の操作を戻します: rows = dout.transpose(0, 2, 3, 1).reshape(-1, FN)。そのうえで "
    "db = rows.sum(axis=0)、dW = (col.T @ rows).T.reshape(FN, C, FH, FW)、"
    "dx = col2im(rows @ col_W.T, x.shape, FH, FW, stride, pad) です",
)


def _run_convolution(setting: ConvSetting) -> Callable[[Probe, dict[str, Ref]], tuple[Ref, Ref]]:
    def run_forward(probe: Probe, values: dict[str, Ref]) -> tuple[Ref, Ref]:
        # positional, in the contract's order: Convolution(W, b, stride, pad)
        layer = probe.new("Convolution", values["W"], values["b"], setting.stride, setting.pad)
        return layer, probe.method(layer, "forward", values["x"])

    return run_forward


def _conv_inputs(seed: int, setting: ConvSetting) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = generator(seed)
    x = rng.normal(size=setting.x_shape)
    W = rng.normal(size=setting.w_shape)
    b = rng.normal(size=setting.w_shape[0])  # non-zero biases, one per filter
    dout = rng.normal(size=setting.out_shape)
    return x, W, b, dout


def _conv_forward_known(x: np.ndarray, W: np.ndarray, b: np.ndarray, setting: ConvSetting) -> list[Known]:
    """Wrong forward outputs, recomputed here from the right pieces."""
    N, FN, out_h, out_w = setting.out_shape
    _, _C, FH, FW = W.shape
    col = im2col(x, FH, FW, setting.stride, setting.pad)
    rows = col @ W.reshape(FN, -1).T + b

    def arranged(matrix: np.ndarray) -> np.ndarray:
        return matrix.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    return [
        Known(
            "out",
            rows.reshape(N, FN, out_h, out_w),
            Text(
                "the product's rows are ordered (n, out_y, out_x) and its columns are the filters: reshape it to "
                "(N, OH, OW, FN) and then transpose(0, 3, 1, 2); reshaping straight to (N, FN, OH, OW) "
                "scrambles the output",
                "積の行は (n, out_y, out_x) の順、列はフィルターです。(N, OH, OW, FN) に reshape してから "
                "transpose(0, 3, 1, 2) してください。いきなり (N, FN, OH, OW) に reshape すると並びが崩れます",
            ),
        ),
        Known(
            "out",
            arranged(col @ W.reshape(-1, FN) + b),
            Text(
                "W.reshape(-1, FN) is not W.reshape(FN, -1).T: reshape keeps the memory order, so each column "
                "mixes several filters; flatten each filter with W.reshape(FN, -1), then transpose",
                "W.reshape(-1, FN) は W.reshape(FN, -1).T とは違います。reshape はメモリ上の順番のまま切り直すので、"
                "列に複数のフィルターが混ざります。W.reshape(FN, -1) で各フィルターを 1 行にしてから転置してください",
            ),
        ),
        Known(
            "out",
            arranged(col @ W.T.reshape(-1, FN) + b),
            Text(
                "W.T reverses all four axes to (FW, FH, C, FN), so each filter is flattened in the order "
                "(x, y, c), not im2col's (c, y, x); use W.reshape(FN, -1).T",
                "W.T は 4 つの軸をすべて逆順 (FW, FH, C, FN) にするので、フィルターが (x, y, c) の順に平らに"
                "なります(im2col の列は (c, y, x))。W.reshape(FN, -1).T を使ってください",
            ),
        ),
        Known(
            "out",
            loop_convolution(x, W[:, :, ::-1, ::-1], b, setting.stride, setting.pad),
            Text(
                "the filter is flipped: a CNN's 'convolution' is cross-correlation, W[f, c, y, x] "
                "multiplies x_pad[n, c, i * stride + y, j * stride + x] without flipping",
                "フィルターが反転しています。CNN の「畳み込み」は相互相関で、W[f, c, y, x] は反転せずに "
                "x_pad[n, c, i * stride + y, j * stride + x] に掛けます",
            ),
        ),
        Known(
            "out",
            loop_convolution(x, W, np.zeros_like(b), setting.stride, setting.pad),
            Text(
                "the bias is missing: add b (one value per filter) to every output position",
                "バイアスが抜けています。b(フィルターごとに 1 つの値)をすべての出力位置に足してください",
            ),
        ),
    ]


def _conv_forward_shape_hints(setting: ConvSetting) -> list[tuple[tuple[int, ...], Text]]:
    N, FN, out_h, out_w = setting.out_shape
    return [
        (
            (N, out_h, out_w, FN),
            Text(
                "the filter axis must come second: transpose(0, 3, 1, 2) the (N, OH, OW, FN) result",
                "フィルターの軸は 2 番目です。(N, OH, OW, FN) の結果を transpose(0, 3, 1, 2) してください",
            ),
        ),
        (
            (N * out_h * out_w, FN),
            Text(
                "return the image layout: reshape the product to (N, OH, OW, FN), then transpose(0, 3, 1, 2)",
                "画像の形で返してください。積を (N, OH, OW, FN) に reshape してから transpose(0, 3, 1, 2) します",
            ),
        ),
    ]


def _conv_forward_check(name: str, name_ja: str, seed: int, setting: ConvSetting) -> Check:
    x, W, b, _dout = _conv_inputs(seed, setting)
    expected = loop_convolution(x, W, b, setting.stride, setting.pad)
    known = _conv_forward_known(x, W, b, setting)
    shape_hints = _conv_forward_shape_hints(setting)
    probe = Probe()
    refs = {"x": probe.array(x), "W": probe.array(W), "b": probe.array(b)}
    _layer, out = _run_convolution(setting)(probe, refs)
    probe.save(out, "out")
    for label, ref in refs.items():
        probe.save(ref, f"input:{label}")
    originals = {"x": x, "W": W, "b": b}

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("out")
        lines = mismatch(got, expected, what="out", rtol=FORWARD_RTOL, atol=FORWARD_ATOL)
        changed = _unchanged(run, originals, "Convolution")
        if not lines and not changed:
            return None
        if not lines:
            return Failure(changed, IN_PLACE_HINT)
        return Failure(
            [
                Text(
                    "Convolution.forward(x) differs from a plain loop over the windows:",
                    "Convolution.forward(x) がウィンドウごとの素朴なループの結果と違います:",
                ),
                *lines,
                *changed,
            ],
            _forward_hint(got, known, shape_hints),
        )

    return Check(name, name_ja, probe, verify, hint=CONV_FORWARD_HINT, context=setting.context())


def _forward_hint(got: Output, known: Sequence[Known], shape_hints: ShapeHints) -> Text | None:
    array, _ = value_of(got, "out")
    if array is None:
        return None
    if array.shape != known[0].value.shape:
        return _shape_hint(array, shape_hints)
    if array.dtype.kind not in "biuf":
        return None
    return _known_hint(array.astype(np.float64), "out", known, FORWARD_RTOL, FORWARD_ATOL)


def _conv_backward_known(
    x: np.ndarray, W: np.ndarray, dout: np.ndarray, setting: ConvSetting
) -> tuple[list[Known], dict[str, ShapeHints]]:
    N, FN, out_h, out_w = setting.out_shape
    _, C, FH, FW = W.shape
    stride, pad = setting.stride, setting.pad
    col = im2col(x, FH, FW, stride, pad)
    col_W = W.reshape(FN, -1).T
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    scrambled = dout.reshape(-1, FN)
    no_transpose = Text(
        "backward must undo forward's transpose before anything else: dout is (N, FN, OH, OW), the product "
        "was (N * OH * OW, FN) with rows (n, out_y, out_x): use dout.transpose(0, 2, 3, 1).reshape(-1, FN); "
        "dout.reshape(-1, FN) alone pairs each value with the wrong filter and position",
        "backward では最初に forward の transpose を戻します。dout は (N, FN, OH, OW)、積は行が "
        "(n, out_y, out_x) の (N * OH * OW, FN) でした。dout.transpose(0, 2, 3, 1).reshape(-1, FN) と"
        "してください。dout.reshape(-1, FN) だけでは値が違うフィルター・位置と組になります",
    )
    mean = Text(
        "dW and db are sums over the batch (and over the output positions), not means: "
        "the loss's 1/N is already inside dout",
        "dW と db はバッチ(と出力位置)についての和で、平均ではありません。損失の 1/N はすでに dout に入っています",
    )
    known = [
        Known("dx", col2im(scrambled @ col_W.T, x.shape, FH, FW, stride, pad), no_transpose),
        Known("dW", (scrambled.T @ col).reshape(FN, C, FH, FW), no_transpose),
        Known("db", scrambled.sum(axis=0), no_transpose),
        Known(
            "dW",
            (col.T @ rows).reshape(FN, C, FH, FW),
            Text(
                "col.T @ rows is (C * FH * FW, FN): one COLUMN per filter; transpose it to (FN, C * FH * FW) "
                "before reshape(FN, C, FH, FW), or each filter gets pieces of the others",
                "col.T @ rows は (C * FH * FW, FN) で、フィルターが「列」です。reshape(FN, C, FH, FW) の前に"
                "転置して (FN, C * FH * FW) にしないと、各フィルターにほかのフィルターの値が混ざります",
            ),
        ),
        Known("dW", (col.T @ rows).T.reshape(FN, C, FH, FW) / N, mean),
        Known("db", rows.sum(axis=0) / N, mean),
    ]
    shape_hints: dict[str, ShapeHints] = {
        "dx": [
            (
                (N * out_h * out_w, C * FH * FW),
                Text(
                    "that is dcol, the gradient of im2col's matrix: fold it back onto the image with "
                    "col2im(dcol, x.shape, FH, FW, stride, pad)",
                    "それは dcol(im2col の行列の勾配)です。col2im(dcol, x.shape, FH, FW, stride, pad) で"
                    "画像の形に戻してください",
                ),
            )
        ],
        "dW": [
            (
                (C * FH * FW, FN),
                Text(
                    "dW must have W's shape: transpose (C * FH * FW, FN) to (FN, C * FH * FW), "
                    "then reshape(FN, C, FH, FW)",
                    "dW は W と同じ形状です。(C * FH * FW, FN) を転置して (FN, C * FH * FW) にし、"
                    "reshape(FN, C, FH, FW) してください",
                ),
            ),
            (
                (C, FH, FW, FN),
                Text(
                    "the filter axis comes first in W: transpose (C * FH * FW, FN) before reshape(FN, C, FH, FW)",
                    "W ではフィルターの軸が先頭です。reshape(FN, C, FH, FW) の前に(C * FH * FW, FN) を転置してください",
                ),
            ),
        ],
        "db": [
            (
                (FN, out_h, out_w),
                Text(
                    "db is summed over N only: it needs one value per filter, the sum over N, OH and OW "
                    "(rows.sum(axis=0) after the transpose/reshape, or dout.sum(axis=(0, 2, 3)))",
                    "db が N についてだけ合計されています。フィルターごとに 1 つの値で、N・OH・OW すべてについての"
                    "和です(transpose/reshape 後の rows.sum(axis=0)、または dout.sum(axis=(0, 2, 3)))",
                ),
            ),
            (
                (N * out_h * out_w, FN),
                Text(
                    "db is not summed: it needs one value per filter, the sum over every row (N, OH, OW)",
                    "db が合計されていません。フィルターごとに 1 つの値で、すべての行 (N, OH, OW) についての和です",
                ),
            ),
            (
                (1, FN),
                Text(
                    "db must have b's shape (FN,): sum without keepdims, or reshape(b.shape)",
                    "db は b と同じ形状 (FN,) です。keepdims を付けずに合計するか、reshape(b.shape) してください",
                ),
            ),
        ],
        "out": _conv_forward_shape_hints(setting),
    }
    return known, shape_hints


def _conv_gradient_check(name: str, name_ja: str, seed: int, setting: ConvSetting) -> Check:
    x, W, b, dout = _conv_inputs(seed, setting)
    rng = generator(seed + 1)
    reference = Convolution(W, b, setting.stride, setting.pad)
    reference.forward(x)
    dx = reference.backward(dout)

    def forward_at(name: str, value: np.ndarray) -> np.ndarray:
        inputs = {"x": x, "W": W, "b": b, name: value}
        return loop_convolution(inputs["x"], inputs["W"], inputs["b"], setting.stride, setting.pad)

    known, shape_hints = _conv_backward_known(x, W, dout, setting)
    known += _conv_forward_known(x, W, b, setting)
    case = GradientCase(
        layer="Convolution",
        dout=dout,
        out=loop_convolution(x, W, b, setting.stride, setting.pad),
        params=(
            Param("x", "dx", x, dx, _directions(rng, x.shape), attribute=False),
            Param("W", "dW", W, reference.dW, _directions(rng, W.shape), attribute=True),
            Param("b", "db", b, reference.db, _directions(rng, b.shape), attribute=True),
        ),
        forward_at=forward_at,
        known=tuple(known),
        shape_hints=shape_hints,
        backward_hint=CONV_BACKWARD_HINT,
        forward_hint=CONV_FORWARD_HINT,
    )
    probe = _gradient_probe(case, _run_convolution(setting))
    return Check(
        name,
        name_ja,
        probe,
        lambda run: gradient_verdict(run, case),
        hint=CONV_BACKWARD_HINT,
        context=setting.context(
            Text(
                "random dout; gradients checked against the correct ones and against your own forward",
                "ランダムな dout。勾配を正しい値と、自分の順伝播の数値微分の両方と比較",
            )
        ),
    )


def _conv_properties_check(seed: int, setting: ConvSetting) -> Check:
    x, W, b, dout = _conv_inputs(seed, setting)
    grads = (("dx", False), ("dW", True), ("db", True))
    probe = _properties_probe(_run_convolution(setting), {"x": x, "W": W, "b": b}, dout, grads)
    originals = {"dout": dout, "2 * dout": 2 * dout, "x": x, "W": W, "b": b}
    return Check(
        "Convolution: backward is linear in dout, gives the same answer twice, and leaves dout, x, W, b unchanged",
        "Convolution: backward は dout について線形で、2 回呼んでも同じ結果、dout・x・W・b を変更しない",
        probe,
        lambda run: properties_verdict(run, "Convolution", grads, originals),
        hint=Text(
            "backward(dout) must depend only on dout and what forward stored: compute self.dW and self.db "
            "afresh (=, not +=) and do not write into dout or x",
            "backward(dout) は dout と forward が保存した値だけで決まります。self.dW と self.db は毎回"
            "新しく計算し(+= ではなく =)、dout や x に書き込まないでください",
        ),
        context=setting.context(CALLS),
    )


def _convolution_checks() -> list[Check]:
    square = ConvSetting((2, 3, 5, 7), (4, 3, 3, 3), stride=1, pad=0)
    strided = ConvSetting((2, 3, 5, 7), (4, 3, 3, 2), stride=2, pad=1)
    single = ConvSetting((1, 3, 5, 7), (4, 3, 3, 3), stride=1, pad=1)
    uncovered = ConvSetting((1, 3, 6, 5), (4, 3, 3, 3), stride=2, pad=0)
    return [
        _conv_forward_check(
            "Convolution: forward equals a loop over the windows, 4 filters 3x3 on a (2, 3, 5, 7) batch",
            "Convolution: 順伝播がウィンドウごとのループと一致((2, 3, 5, 7) のバッチに 3x3 フィルター 4 枚)",
            81,
            square,
        ),
        _conv_forward_check(
            "Convolution: forward with stride 2, pad 1 and 3x2 filters",
            "Convolution: ストライド 2、パディング 1、3x2 フィルターでの順伝播",
            82,
            strided,
        ),
        _conv_forward_check(
            "Convolution: forward on a batch of one image, stride 1, pad 1",
            "Convolution: 画像 1 枚のバッチ、ストライド 1、パディング 1 での順伝播",
            83,
            single,
        ),
        _conv_gradient_check(
            "Convolution: dx, dW, db for a random dout, stride 1, pad 0",
            "Convolution: ランダムな dout に対する dx・dW・db(ストライド 1、パディング 0)",
            84,
            square,
        ),
        _conv_gradient_check(
            "Convolution: dx, dW, db with stride 2, pad 1 and 3x2 filters",
            "Convolution: ストライド 2、パディング 1、3x2 フィルターでの dx・dW・db",
            85,
            strided,
        ),
        _conv_gradient_check(
            "Convolution: dx, dW, db for a batch of one 6x5 image, stride 2 (the last row is in no window)",
            "Convolution: 6x5 の画像 1 枚、ストライド 2 での dx・dW・db(最後の行はどのウィンドウにも入らない)",
            86,
            uncovered,
        ),
        _conv_properties_check(87, strided),
    ]


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

POOL_FORWARD_HINT = Text(
    "out[n, c, i, j] is the max of x_pad[n, c, i * stride : i * stride + pool_h, j * stride : j * stride + pool_w], "
    "channel by channel; with im2col: col.reshape(-1, pool_h * pool_w).max(axis=1), reshaped to "
    "(N, OH, OW, C), then transpose(0, 3, 1, 2)",
    "out[n, c, i, j] は x_pad[n, c, i * stride : i * stride + pool_h, j * stride : j * stride + pool_w] の最大値"
    "(チャンネルごと)です。im2col を使うと col.reshape(-1, pool_h * pool_w).max(axis=1) を (N, OH, OW, C) に "
    "reshape して transpose(0, 3, 1, 2) します",
)
POOL_BACKWARD_HINT = Text(
    "each window's dout goes entirely to the element that was its maximum (keep arg_max from forward), "
    "the others get 0; where windows overlap, add (col2im adds): dout.transpose(0, 2, 3, 1) first, "
    "to forward's window order (n, out_y, out_x, c)",
    "各ウィンドウの dout は、そのウィンドウで最大だった要素だけにすべて流し(forward で arg_max を保存)、"
    "ほかは 0 です。ウィンドウが重なる所では足し合わせます(col2im が足します)。"
    "最初に dout.transpose(0, 2, 3, 1) で forward のウィンドウの順 (n, out_y, out_x, c) に戻してください",
)


def _run_pooling(setting: PoolSetting) -> Callable[[Probe, dict[str, Ref]], tuple[Ref, Ref]]:
    def run_forward(probe: Probe, values: dict[str, Ref]) -> tuple[Ref, Ref]:
        layer = probe.new("Pooling", *setting.args)
        return layer, probe.method(layer, "forward", values["x"])

    return run_forward


def _pool_forward_known(x: np.ndarray, setting: PoolSetting) -> tuple[list[Known], ShapeHints]:
    N, C, out_h, out_w = setting.out_shape(x.shape)
    windows = im2col(x, *setting.args).reshape(-1, setting.pool_h * setting.pool_w)

    def arranged(values: np.ndarray) -> np.ndarray:
        return values.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    known = [
        Known(
            "out",
            arranged(windows.mean(axis=1)),
            Text(
                "that is average pooling: take the maximum of each window (np.max), not the mean",
                "それは平均プーリングです。各ウィンドウの平均ではなく最大値 (np.max) をとってください",
            ),
        ),
        Known(
            "out",
            windows.max(axis=1).reshape(N, C, out_h, out_w),
            Text(
                "the maxima come out in the window order (n, out_y, out_x, c): reshape to (N, OH, OW, C), "
                "then transpose(0, 3, 1, 2); reshaping straight to (N, C, OH, OW) scrambles them",
                "最大値はウィンドウの順 (n, out_y, out_x, c) に並んでいます。(N, OH, OW, C) に reshape してから "
                "transpose(0, 3, 1, 2) してください。いきなり (N, C, OH, OW) に reshape すると並びが崩れます",
            ),
        ),
        Known(
            "out",
            arranged(np.repeat(im2col(x, *setting.args).max(axis=1), C)),
            Text(
                "each output is the maximum over all channels of the window: im2col's rows hold every "
                "channel ((c, filter_y, filter_x) columns); pool each channel separately, "
                "col.reshape(-1, pool_h * pool_w).max(axis=1)",
                "各出力がウィンドウの全チャンネルにわたる最大値になっています。im2col の行には全チャンネルが"
                "入っています(列は (c, filter_y, filter_x))。チャンネルごとに別々にプーリングしてください: "
                "col.reshape(-1, pool_h * pool_w).max(axis=1)",
            ),
        ),
        Known(
            "out",
            arranged(np.maximum(windows.max(axis=1), 0.0)),
            Text(
                "negative maxima came out as 0: max pooling keeps negative values (a window of negatives "
                "gives its largest negative); do not apply a ReLU, or zero x, inside the pooling layer",
                "負の最大値が 0 になっています。Max プーリングは負の値もそのまま返します(負の値だけのウィンドウは"
                "その中で最大の負の値)。プーリング層の中で ReLU をかけたり x を 0 にしたりしないでください",
            ),
        ),
        Known(
            "out",
            arranged(windows.min(axis=1)),
            Text(
                "that is the minimum of each window; max pooling takes the maximum",
                "各ウィンドウの最小値になっています。Max プーリングは最大値です",
            ),
        ),
    ]
    shape_hints = [
        (
            (N, out_h, out_w, C),
            Text(
                "the channel axis must come second: transpose(0, 3, 1, 2) the (N, OH, OW, C) result",
                "チャンネルの軸は 2 番目です。(N, OH, OW, C) の結果を transpose(0, 3, 1, 2) してください",
            ),
        ),
        (
            (N * out_h * out_w, C),
            Text(
                "return the image layout: reshape to (N, OH, OW, C), then transpose(0, 3, 1, 2)",
                "画像の形で返してください。(N, OH, OW, C) に reshape してから transpose(0, 3, 1, 2) します",
            ),
        ),
        (
            (N * out_h * out_w,),
            Text(
                "one maximum per row of im2col's matrix mixes the channels: split the columns first, "
                "col.reshape(-1, pool_h * pool_w), so a row is one window of one channel",
                "im2col の行ごとに最大値をとるとチャンネルが混ざります。先に col.reshape(-1, pool_h * pool_w) として、"
                "1 行が「1 チャンネルの 1 ウィンドウ」になるようにしてください",
            ),
        ),
    ]
    return known, shape_hints


def _pool_forward_check(name: str, name_ja: str, x: np.ndarray, setting: PoolSetting, extra: Text) -> Check:
    expected = loop_max_pool(x, *setting.args)
    known, shape_hints = _pool_forward_known(x, setting)
    probe = Probe()
    x_ref = probe.array(x)
    _layer, out = _run_pooling(setting)(probe, {"x": x_ref})
    probe.save(out, "out")
    probe.save(x_ref, "input:x")

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("out")
        lines = mismatch(got, expected, what="out", rtol=FORWARD_RTOL, atol=FORWARD_ATOL)
        changed = _unchanged(run, {"x": x}, "Pooling")
        if not lines and not changed:
            return None
        if not lines:
            return Failure(changed, IN_PLACE_HINT)
        return Failure(
            [
                Text(
                    "Pooling.forward(x) differs from a plain loop over the windows:",
                    "Pooling.forward(x) がウィンドウごとの素朴なループの結果と違います:",
                ),
                *lines,
                *changed,
            ],
            _forward_hint(got, known, shape_hints),
        )

    return Check(
        name,
        name_ja,
        probe,
        verify,
        hint=POOL_FORWARD_HINT,
        context=setting.context(x, extra),
    )


def _pool_backward_known(x: np.ndarray, dout: np.ndarray, setting: PoolSetting) -> list[Known]:
    N, C, out_h, out_w = dout.shape
    size = setting.pool_h * setting.pool_w

    def spread(per_window: np.ndarray) -> np.ndarray:
        """col2im of a column matrix that gives every element of window k the value per_window[k]."""
        dcol = np.repeat(per_window[:, None], size, axis=1).reshape(N * out_h * out_w, C * size)
        return col2im(dcol, x.shape, *setting.args)

    in_window_order = dout.transpose(0, 2, 3, 1).ravel()
    windows = im2col(x, *setting.args).reshape(-1, size)
    arg_max = np.argmax(windows, axis=1)
    wrong_order = np.zeros((dout.size, size))
    wrong_order[np.arange(dout.size), arg_max] = dout.ravel()
    to_all = Text(
        "the gradient went to every element of the window, as in average pooling; in max pooling only the "
        "maximum influenced the output, so only it gets the gradient (keep arg_max from forward)",
        "勾配がウィンドウのすべての要素に流れています(平均プーリングの逆伝播)。Max プーリングで出力に影響したのは"
        "最大値だけなので、勾配はそこだけに流します(forward で arg_max を保存)",
    )
    overwrite = Text(
        "where overlapping windows share their maximum, that element must receive the SUM of their gradients; "
        "the gradient of a later window overwrote an earlier one (= instead of +=; col2im adds for you)",
        "重なったウィンドウが同じ要素を最大値としているとき、その要素には勾配の合計が入ります。"
        "後のウィンドウの勾配が前のものを上書きしています(+= ではなく =。col2im を使えば足し合わされます)",
    )
    return [
        Known("dx", spread(in_window_order / size), to_all),
        Known("dx", spread(in_window_order), to_all),
        Known(
            "dx",
            col2im(wrong_order.reshape(N * out_h * out_w, C * size), x.shape, *setting.args),
            Text(
                "the gradients reach the right kind of element but from the wrong windows: forward's windows are "
                "ordered (n, out_y, out_x, c), so take dout.transpose(0, 2, 3, 1) before flattening it",
                "勾配は最大値の位置に流れていますが、対応するウィンドウが違います。forward のウィンドウの順は "
                "(n, out_y, out_x, c) なので、dout.transpose(0, 2, 3, 1) してから平らにしてください",
            ),
        ),
        Known("dx", loop_pool_routing(x, dout, *setting.args, mode="overwrite"), overwrite),
        Known("dx", loop_pool_routing(x, dout, *setting.args, mode="window"), overwrite),
    ]


def _pool_gradient_check(
    name: str, name_ja: str, x: np.ndarray, dout_seed: int, setting: PoolSetting, extra: Text
) -> Check:
    rng = generator(dout_seed)
    dout = rng.normal(size=setting.out_shape(x.shape))
    reference = Pooling(*setting.args)
    reference.forward(x)
    dx = reference.backward(dout)
    known, shape_hints = _pool_forward_known(x, setting)
    N, C, H, W = x.shape
    _, _, out_h, out_w = dout.shape
    dx_hints = [
        (
            (N * out_h * out_w, C * setting.pool_h * setting.pool_w),
            Text(
                "that is dcol, the gradient of im2col's matrix: fold it back with "
                "col2im(dcol, x.shape, pool_h, pool_w, stride, pad)",
                "それは dcol(im2col の行列の勾配)です。col2im(dcol, x.shape, pool_h, pool_w, stride, pad) で"
                "画像の形に戻してください",
            ),
        )
    ]
    case = GradientCase(
        layer="Pooling",
        dout=dout,
        out=loop_max_pool(x, *setting.args),
        params=(Param("x", "dx", x, dx, _directions(rng, x.shape, POOL_DIRECTIONS), attribute=False),),
        forward_at=lambda _name, value: loop_max_pool(value, *setting.args),
        known=tuple(_pool_backward_known(x, dout, setting) + known),
        shape_hints={"dx": dx_hints, "out": shape_hints},
        backward_hint=POOL_BACKWARD_HINT,
        forward_hint=POOL_FORWARD_HINT,
    )
    probe = _gradient_probe(case, _run_pooling(setting))
    shared = _shared_maxima(x, *setting.args)
    note = Text(
        f"random dout; {shared} pixels are the maximum of more than one window",
        f"ランダムな dout。{shared} 個の画素が複数のウィンドウの最大値",
    )
    return Check(
        name,
        name_ja,
        probe,
        lambda run: gradient_verdict(run, case),
        hint=POOL_BACKWARD_HINT,
        context=setting.context(x, extra, note),
    )


def _pool_properties_check(x: np.ndarray, dout_seed: int, setting: PoolSetting) -> Check:
    dout = generator(dout_seed).normal(size=setting.out_shape(x.shape))
    grads = (("dx", False),)
    probe = _properties_probe(_run_pooling(setting), {"x": x}, dout, grads)
    originals = {"dout": dout, "2 * dout": 2 * dout, "x": x}
    return Check(
        "Pooling: backward is linear in dout, gives the same answer twice, and leaves dout and x unchanged",
        "Pooling: backward は dout について線形で、2 回呼んでも同じ結果、dout と x を変更しない",
        probe,
        lambda run: properties_verdict(run, "Pooling", grads, originals),
        hint=Text(
            "backward(dout) must depend only on dout and the positions of the maxima that forward stored; "
            "build dx in a new array and do not write into dout or x",
            "backward(dout) は dout と forward が保存した最大値の位置だけで決まります。dx は新しい配列に作り、"
            "dout や x に書き込まないでください",
        ),
        context=setting.context(x, CALLS),
    )


def _pooling_checks() -> list[Check]:
    overlapping = PoolSetting(3, 3, stride=2, pad=0)
    sliding = PoolSetting(2, 2, stride=1, pad=1)
    tall = PoolSetting(3, 2, stride=2, pad=0)
    # mixed signs where there is no padding; positive where there is, so zero and -inf padding agree
    mixed = _pool_input(91, (2, 3, 5, 7), overlapping, -3.0, 3.0)
    positive = _pool_input(92, (1, 3, 5, 7), sliding, 0.5, 4.0)
    non_square = _pool_input(93, (2, 3, 7, 6), tall, -3.0, 3.0)
    props_input = _pool_input(94, (2, 3, 5, 7), overlapping, -3.0, 3.0)
    no_extra = Text("", "")
    positive_note = Text(
        "positive values, so the zero padding is never a maximum", "正の値のみ(ゼロパディングが最大になることはない)"
    )
    return [
        _pool_forward_check(
            "Pooling: forward takes the max of overlapping 3x3 windows, stride 2",
            "Pooling: 重なる 3x3 ウィンドウ、ストライド 2 の最大値をとる順伝播",
            mixed,
            overlapping,
            no_extra,
        ),
        _pool_forward_check(
            "Pooling: forward with 2x2 windows, stride 1, pad 1 on a batch of one",
            "Pooling: 画像 1 枚のバッチに 2x2 ウィンドウ、ストライド 1、パディング 1 の順伝播",
            positive,
            sliding,
            positive_note,
        ),
        _pool_gradient_check(
            "Pooling: backward routes each gradient to its window's maximum only, 3x3 windows, stride 2",
            "Pooling: 逆伝播で各勾配をウィンドウの最大値の位置だけに流す(3x3 ウィンドウ、ストライド 2)",
            mixed,
            95,
            overlapping,
            no_extra,
        ),
        _pool_gradient_check(
            "Pooling: backward with overlapping 2x2 windows, stride 1, pad 1: shared maxima add up",
            "Pooling: 重なる 2x2 ウィンドウ、ストライド 1、パディング 1 の逆伝播(共有される最大値には勾配を合計)",
            positive,
            96,
            sliding,
            positive_note,
        ),
        _pool_gradient_check(
            "Pooling: forward and backward with non-square 3x2 windows, stride 2",
            "Pooling: 正方形でない 3x2 ウィンドウ、ストライド 2 の順伝播と逆伝播",
            non_square,
            97,
            tall,
            no_extra,
        ),
        _pool_properties_check(props_input, 98, overlapping),
    ]


def build_checks() -> list[Check]:
    """Every check of exercise 8."""
    return [*_convolution_checks(), *_pooling_checks()]


# Hints that unfold: grade hint N shows them one at a time, from a nudge to the near-answer.
HINTS: dict[str, tuple[Text, Text, Text]] = {
    "Convolution": (
        Text(
            "With im2col, a convolution is one matrix product: "
            "each row of the column matrix is one window, and each filter becomes one column of a weight matrix. "
            "Most of the work is keeping track of shapes and axis order, in forward and in backward.",
            "im2col を使えば、畳み込みは 1 回の行列の積です。列の行列の各行が 1 つのウィンドウ、"
            "各フィルターが重み行列の 1 列になります。作業の大半は、forward でも backward でも、"
            "形状と軸の順番の管理です。",
        ),
        Text(
            "forward: col = im2col(x, FH, FW, stride, pad) (N*OH*OW, C*FH*FW); "
            "col_W = W.reshape(FN, -1).T (C*FH*FW, FN); out = col @ col_W + b (N*OH*OW, FN), reshaped to "
            "(N, OH, OW, FN) and transposed to (N, FN, OH, OW); keep x, col, col_W. backward: "
            "dout to (N, OH, OW, FN), then reshape(-1, FN); db = sum over axis 0 (FN,); "
            "dW = (col.T @ dout).T reshaped to (FN, C, FH, FW); "
            "dx = col2im(dout @ col_W.T, x.shape, FH, FW, stride, pad).",
            "forward: col = im2col(x, FH, FW, stride, pad) (N*OH*OW, C*FH*FW)、"
            "col_W = W.reshape(FN, -1).T (C*FH*FW, FN)、out = col @ col_W + b (N*OH*OW, FN) を (N, OH, OW, FN) に "
            "reshape して (N, FN, OH, OW) に transpose します。x, col, col_W は保存します。backward: "
            "dout を (N, OH, OW, FN) に並べ替えて reshape(-1, FN) とし、db = axis 0 方向の和 (FN,)、"
            "dW = (col.T @ dout).T を (FN, C, FH, FW) に reshape、"
            "dx = col2im(dout @ col_W.T, x.shape, FH, FW, stride, pad) です。",
        ),
        Text(
            "forward, with FN, C, FH, FW = self.W.shape and OH, OW from conv_output_size; the final axes are yours:\n"
            "    col = im2col(x, FH, FW, self.stride, self.pad)    # (N*OH*OW, C*FH*FW)\n"
            "    col_W = self.W.reshape(FN, -1).T                  # (C*FH*FW, FN)\n"
            "    out = col @ col_W + self.b                        # (N*OH*OW, FN)\n"
            "    self.x, self.col, self.col_W = x, col, col_W\n"
            "    return out.reshape(N, OH, OW, FN).transpose(...)  # -> (N, FN, OH, OW)",
            "FN, C, FH, FW = self.W.shape とし、OH, OW を conv_output_size で求めた後の forward です。"
            "最後の軸の順番はご自分で:\n"
            "    col = im2col(x, FH, FW, self.stride, self.pad)    # (N*OH*OW, C*FH*FW)\n"
            "    col_W = self.W.reshape(FN, -1).T                  # (C*FH*FW, FN)\n"
            "    out = col @ col_W + self.b                        # (N*OH*OW, FN)\n"
            "    self.x, self.col, self.col_W = x, col, col_W\n"
            "    return out.reshape(N, OH, OW, FN).transpose(...)  # -> (N, FN, OH, OW)",
        ),
    ),
    "Pooling": (
        Text(
            "Max pooling looks at each window of each channel separately and keeps its largest value. "
            "Reuse im2col, but arrange its result so that one row is one window of one channel, and remember where "
            "each maximum was for backward.",
            "Max プーリングは、各チャンネルの各ウィンドウを別々に見て、その最大値を残します。im2col を再利用しますが、"
            "1 行が「1 チャンネルの 1 ウィンドウ」になるように並べ直し、"
            "backward のために最大値の位置を覚えておきます。",
        ),
        Text(
            "forward: col = im2col(x, pool_h, pool_w, stride, pad), reshaped to (-1, pool_h*pool_w), one row per "
            "(n, oy, ox, c); arg_max = argmax over axis 1 (store it); "
            "out = max over axis 1, reshaped to (N, OH, OW, C) and transposed to (N, C, OH, OW). backward: "
            "transpose dout to (N, OH, OW, C); in a zero (dout.size, pool_h*pool_w) array put each value at its row's "
            "arg_max; reshape to (N*OH*OW, C*pool_h*pool_w) and col2im it back to x.shape.",
            "forward: col = im2col(x, pool_h, pool_w, stride, pad) を (-1, pool_h*pool_w) に reshape すると、"
            "1 行が (n, oy, ox, c) の 1 つ分になります。axis 1 方向の argmax を arg_max として保存し、"
            "axis 1 方向の最大値を (N, OH, OW, C) に reshape して (N, C, OH, OW) に transpose します。backward: "
            "dout を (N, OH, OW, C) に transpose し、形状 (dout.size, pool_h*pool_w) のゼロ配列の各行の arg_max "
            "の位置に値を入れ、(N*OH*OW, C*pool_h*pool_w) に reshape して、col2im で x.shape に戻します。",
        ),
        Text(
            "backward, with self.x and self.arg_max saved by forward; the reshape of dmax is yours:\n"
            "    dout = dout.transpose(0, 2, 3, 1)                            # (N, OH, OW, C): forward's row order\n"
            "    pool_size = self.pool_h * self.pool_w\n"
            "    dmax = np.zeros((dout.size, pool_size))\n"
            "    dmax[np.arange(dout.size), self.arg_max] = dout.reshape(-1)  # only the maximum gets it\n"
            "    dcol = dmax.reshape(...)                                     # (N*OH*OW, C*pool_size)\n"
            "    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)",
            "forward で保存した self.x と self.arg_max を使う backward です。dmax の reshape はご自分で:\n"
            "    dout = dout.transpose(0, 2, 3, 1)                            # (N, OH, OW, C): forward の行の順\n"
            "    pool_size = self.pool_h * self.pool_w\n"
            "    dmax = np.zeros((dout.size, pool_size))\n"
            "    dmax[np.arange(dout.size), self.arg_max] = dout.reshape(-1)  # 最大値の位置だけに入る\n"
            "    dcol = dmax.reshape(...)                                     # (N*OH*OW, C*pool_size)\n"
            "    return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)",
        ),
    ),
}
