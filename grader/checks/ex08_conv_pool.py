"""Checks for exercise 8: the convolution and max-pooling layers.

Convolution and Pooling are each one ``Layer`` row of the layer-check engine
(``grader.checks.layers``), with three oracles, so no answer is judged only
against code of the same making:

- forward outputs against a plain loop over the output positions, computed
  here without im2col (an im2col/col2im pair that is wrong in the same way in
  forward and backward passes any gradient check, but not this);
- gradients against the reference implementation (correctness), always with
  a random ``dout`` (an all-ones ``dout`` hides a missing transpose);
- gradients against the numerical gradient of the learner's OWN forward
  (self-consistency), along random directions of ``x``, ``W`` and ``b``.

Convolution is linear in each of ``x``, ``W`` and ``b``, and max pooling is
piecewise linear; pooling inputs are a permutation of distinct values spaced
far wider than the step h, so no window's maximum changes.  Central
differences are then exact up to rounding, and the directional tolerance can
be tight, tight enough that one wrong element among a hundred shows.  The
feedback says which oracle failed: "your backward disagrees with your own
forward at dW[2, 0, 1, 1]" and "your forward is wrong" are different lessons.

Every layer is also checked for what a gradient must satisfy whatever the
values: ``backward`` is linear in ``dout``, gives the same answer when called
twice, and changes neither ``dout`` nor the forward's inputs.  What is
particular to pooling (overlapping windows whose shared maximum must receive
the sum of their gradients, the known wrong routings) is computed here by
loops over the windows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grader.checks.common import generator
from grader.checks.layers import Attribute, Case, Cases, Hygiene, Known, Layer, Param, layer_checks
from grader.grading.engine import Check
from grader.text import Text
from reference import Convolution, Pooling, col2im, conv_output_size, im2col

POOL_SPACING_MIN = 0.02  # distinct pooling inputs are at least this far apart, far more than the step h
# random directions per tensor of the self-consistency check (two forward calls, two arrays sent and two
# brought back each).  One is enough: a backward whose gradient g differs from the true one by e passes
# along a random normal v only if sum(e * v) is within a relative 1e-6 (CONSISTENCY_RTOL), which for e != 0 has
# probability 0 for a continuous v (negligible in floating point), and every gradient is also compared with the
# reference element by element.  Two (convolution) and three (pooling) caught no mutant more (bench/mutate.py
# --exercises 8: 159 of 159 real mutants killed either way, no false alarm) and cost 30 forward calls.
CONV_DIRECTIONS = 1
POOL_DIRECTIONS = 1

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


LOOP = Text("a plain loop over the windows", "ウィンドウごとの素朴なループの結果")
CALLS = Text(
    "forward(x); backward(dout); backward(dout) again; backward(2 * dout)",
    "forward(x)、backward(dout)、もう一度 backward(dout)、backward(2 * dout)",
)
GRADIENTS_NOTE = Text(
    "random dout; gradients checked against the correct ones and against your own forward",
    "ランダムな dout。勾配を正しい値と、自分の順伝播の数値微分の両方と比較",
)


# ---------------------------------------------------------------------------
# exceptions of known mistakes, read from the shapes in their messages
# ---------------------------------------------------------------------------

W_NOT_TRANSPOSED_HINT = Text(
    "W.reshape(FN, -1) has one ROW per filter, (FN, C * FH * FW), and im2col's matrix (N * OH * OW, C * FH * FW) "
    "can not be multiplied by it: transpose it so the filters are the columns, col @ W.reshape(FN, -1).T",
    "W.reshape(FN, -1) はフィルターが「行」の (FN, C * FH * FW) で、im2col の行列 (N * OH * OW, C * FH * FW) とは"
    "そのまま掛けられません。転置してフィルターを列にしてください: col @ W.reshape(FN, -1).T",
)
COL2IM_DEFAULTS_HINT = Text(
    "col2im was called with its defaults, stride 1 and pad 0, so it expects another number of windows than "
    "forward's im2col made: pass the layer's own on, col2im(dcol, x.shape, FH, FW, self.stride, self.pad) "
    "(pool_h, pool_w in Pooling)",
    "col2im を既定値(ストライド 1、パディング 0)のまま呼んでいるので、forward の im2col とは違う数のウィンドウを"
    "想定しています。レイヤ自身の値を渡してください: col2im(dcol, x.shape, FH, FW, self.stride, self.pad)"
    "(Pooling では pool_h, pool_w)",
)
SIZE_ARGUMENTS_HINT = Text(
    "the arguments of conv_output_size are swapped: it takes the image size first and the window size second, "
    "out_h = conv_output_size(H, FH, stride, pad), out_w = conv_output_size(W, FW, stride, pad) "
    "(pool_h, pool_w in Pooling)",
    "conv_output_size の引数が逆です。先に画像の大きさ、次にウィンドウの大きさを渡します: "
    "out_h = conv_output_size(H, FH, stride, pad)、out_w = conv_output_size(W, FW, stride, pad)"
    "(Pooling では pool_h, pool_w)",
)
ARG_MAX_AXIS_HINT = Text(
    "arg_max holds one index per column of the window matrix (np.argmax(col, axis=0)), not one per window: take "
    "each row's maximum position, self.arg_max = np.argmax(col, axis=1) on col.reshape(-1, pool_h * pool_w)",
    "arg_max がウィンドウごとではなく、ウィンドウの行列の列ごとの位置(np.argmax(col, axis=0))になっています。"
    "col.reshape(-1, pool_h * pool_w) の各行の最大値の位置をとってください: self.arg_max = np.argmax(col, axis=1)",
)


def _shape_in(message: str, pattern: str) -> tuple[int, ...] | None:
    """The first shape ``(a, b, ...)`` that follows ``pattern`` in an exception's message."""
    match = re.search(pattern + r"\s*\(([\d,\s]*)\)", message)
    if match is None:
        return None
    return tuple(int(item) for item in match.group(1).replace(" ", "").split(",") if item)


def _window_size_hint(
    message: str, x_shape: Sequence[int], window: tuple[int, int], stride: int, pad: int
) -> Text | None:
    """A reshape in forward or col2im that shows the output size computed with the wrong arguments."""
    wanted = _shape_in(message, "into shape")
    if wanted is None or len(wanted) < 3:
        return None
    N, C, H, W = x_shape

    def size(image: int, filter_size: int, step: int = 1, padding: int = 0) -> int:
        return (image + 2 * padding - filter_size) // step + 1  # no check: a wrong call may give 0 or less

    right = (size(H, window[0], stride, pad), size(W, window[1], stride, pad))
    defaults = (size(H, window[0]), size(W, window[1]))
    swapped = (size(window[0], H, stride, pad), size(window[1], W, stride, pad))
    sizes = wanted[1:3]
    if len(wanted) == 6 and wanted[3:] == (C, *window) and sizes == defaults != right:
        return COL2IM_DEFAULTS_HINT
    if (
        len(wanted) == 4
        and sizes != right
        and any(size == bad != good for size, bad, good in zip(sizes, swapped, right, strict=True))
    ):
        return SIZE_ARGUMENTS_HINT
    return None


def _conv_error_hint(cases: Sequence[Case], exception: str, message: str) -> Text | None:
    """Known mistakes of Convolution that raise, named by the shapes in the message."""
    if exception != "ValueError":
        return None
    for case in cases:
        setting = _setting_of(case.values)
        FN, C, FH, FW = setting.w_shape
        k = C * FH * FW
        product = re.search(r"shapes \((\d+),(\d+)\) and \((\d+),(\d+)\) not aligned", message)
        if product and (int(product.group(2)), int(product.group(3)), int(product.group(4))) == (k, FN, k):
            return W_NOT_TRANSPOSED_HINT
        if f"(size {FN} is different from {k})" in message:
            return W_NOT_TRANSPOSED_HINT
        found = _window_size_hint(message, setting.x_shape, (FH, FW), setting.stride, setting.pad)
        if found is not None:
            return found
    return None


def _pool_error_hint(cases: Sequence[Case], exception: str, message: str) -> Text | None:
    """Known mistakes of Pooling that raise, named by the shapes in the message."""
    if exception != "ValueError":
        return None
    for case in cases:
        setting = _pool_setting(case.values)
        x_shape = case.values["x"].shape
        windows = int(np.prod(setting.out_shape(x_shape)))
        if (_shape_in(message, "value array of shape"), _shape_in(message, "indexing result of shape")) == (
            (windows,),
            (setting.pool_h * setting.pool_w,),
        ):
            return ARG_MAX_AXIS_HINT
        found = _window_size_hint(message, x_shape, (setting.pool_h, setting.pool_w), setting.stride, setting.pad)
        if found is not None:
            return found
    return None


def _shape_knowns(output: str, hints: ShapeHints) -> list[Known]:
    """Mistakes that show by the shape of ``output`` alone."""
    return [Known(output, None, hint, shape=shape) for shape, hint in hints]


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


def _setting_of(values: Mapping[str, Any]) -> ConvSetting:
    return ConvSetting(values["x"].shape, values["W"].shape, values["stride"], values["pad"])


def _conv_oracle(values: Mapping[str, Any]) -> np.ndarray:
    return loop_convolution(values["x"], values["W"], values["b"], values["stride"], values["pad"])


def _conv_case(seed: int, setting: ConvSetting, hygiene: bool = False) -> Case:
    """x, W, non-zero biases (one per filter) and a random dout, from ``seed``."""
    rng = generator(seed)
    x = rng.normal(size=setting.x_shape)
    W = rng.normal(size=setting.w_shape)
    b = rng.normal(size=setting.w_shape[0])
    dout = rng.normal(size=setting.out_shape)
    values = {"W": W, "b": b, "stride": setting.stride, "pad": setting.pad, "x": x}
    return Case(setting.context(), values, dout, hygiene)


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


def _conv_backward_known(x: np.ndarray, W: np.ndarray, dout: np.ndarray, setting: ConvSetting) -> list[Known]:
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
            *(
                [
                    (
                        (FN, FH, C, FW),
                        Text(
                            "dW is reshaped in the wrong order: W is (FN, C, FH, FW), the channel before the filter "
                            "height, as im2col's columns are (c, filter_y, filter_x): reshape(FN, C, FH, FW)",
                            "dW の reshape の順番が違います。W は (FN, C, FH, FW) で、"
                            "im2col の列 (c, filter_y, filter_x) と同じくチャンネルがフィルターの高さより先です: "
                            "reshape(FN, C, FH, FW)",
                        ),
                    )
                ]
                if C != FH
                else []
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
    }
    return known + [item for output, hints in shape_hints.items() for item in _shape_knowns(output, hints)]


def _conv_mistakes(case: Case) -> list[Known]:
    values = case.values
    setting = _setting_of(values)
    x, W, b = values["x"], values["W"], values["b"]
    found = _conv_forward_known(x, W, b, setting) + _shape_knowns("out", _conv_forward_shape_hints(setting))
    if isinstance(case.dout, np.ndarray):
        found += _conv_backward_known(x, W, case.dout, setting)
    return found


def _convolution() -> Layer:
    square = ConvSetting((2, 3, 5, 7), (4, 3, 3, 3), stride=1, pad=0)
    strided = ConvSetting((2, 3, 5, 7), (4, 3, 3, 2), stride=2, pad=1)
    single = ConvSetting((1, 3, 5, 7), (4, 3, 3, 3), stride=1, pad=1)
    # 2x3 filters on 3 channels: a reshape that swaps C and FH changes the shape, so it shows
    uncovered = ConvSetting((1, 3, 7, 5), (4, 3, 2, 3), stride=2, pad=0)
    defaulted = ConvSetting((2, 2, 4, 5), (3, 2, 3, 2), stride=1, pad=0)

    def forward(name: str, name_ja: str, seed: int, setting: ConvSetting, defaults: tuple[str, ...] = ()) -> Cases:
        case = _conv_case(seed, setting)
        context = setting.context()
        if defaults:
            context = Text(
                f"Convolution(W, b), stride and pad left to their defaults; {context.en}",
                f"Convolution(W, b)(stride と pad は既定値); {context.ja}",
            )
        return Cases(Text(name, name_ja), context, (Case(case.label, case.values, defaults=defaults),))

    def gradient(name: str, name_ja: str, seed: int, setting: ConvSetting, hygiene: bool = False) -> Cases:
        return Cases(Text(name, name_ja), setting.context(GRADIENTS_NOTE), (_conv_case(seed, setting, hygiene),))

    return Layer(
        name="Convolution",
        constructor=("W", "b", "stride", "pad"),
        reference=Convolution,
        params=(Param("W", "dW", Attribute("dW")), Param("b", "db", Attribute("db"))),
        oracle=_conv_oracle,
        oracle_text=LOOP,
        mistakes=_conv_mistakes,
        directions=CONV_DIRECTIONS,
        forward=(
            forward(
                "Convolution: forward equals a loop over the windows, 4 filters 3x3 on a (2, 3, 5, 7) batch",
                "Convolution: 順伝播がウィンドウごとのループと一致((2, 3, 5, 7) のバッチに 3x3 フィルター 4 枚)",
                81,
                square,
            ),
            forward(
                "Convolution: forward with stride 2, pad 1 and 3x2 filters",
                "Convolution: ストライド 2、パディング 1、3x2 フィルターでの順伝播",
                82,
                strided,
            ),
            forward(
                "Convolution: forward on a batch of one image, stride 1, pad 1",
                "Convolution: 画像 1 枚のバッチ、ストライド 1、パディング 1 での順伝播",
                83,
                single,
            ),
            forward(
                "Convolution: Convolution(W, b) has the defaults stride=1, pad=0",
                "Convolution: Convolution(W, b) の既定値は stride=1、pad=0",
                87,
                defaulted,
                defaults=("stride", "pad"),
            ),
        ),
        gradient=(
            gradient(
                "Convolution: dx, dW, db for a random dout, stride 1, pad 0",
                "Convolution: ランダムな dout に対する dx・dW・db(ストライド 1、パディング 0)",
                84,
                square,
            ),
            gradient(
                "Convolution: dx, dW, db with stride 2, pad 1 and 3x2 filters",
                "Convolution: ストライド 2、パディング 1、3x2 フィルターでの dx・dW・db",
                85,
                strided,
                hygiene=True,
            ),
            gradient(
                "Convolution: dx, dW, db for a batch of one 7x5 image, 2x3 filters, stride 2 "
                "(the last row is in no window)",
                "Convolution: 7x5 の画像 1 枚、2x3 フィルター、ストライド 2 での dx・dW・db"
                "(最後の行はどのウィンドウにも入らない)",
                86,
                uncovered,
            ),
        ),
        hygiene=Hygiene(
            strided.context(CALLS),
            hint=Text(
                "backward(dout) must depend only on dout and what forward stored, and leave both as they were: "
                "a second backward(dout) needs self.x, self.col and self.col_W again (do not delete, empty or "
                "reassign them); compute self.dW and self.db afresh (=, not +=) and do not write into dout or x",
                "backward(dout) は dout と forward が保存した値だけで決まり、どちらも変えてはいけません。"
                "2 回目の backward(dout) でも self.x・self.col・self.col_W を使うので、削除・空にする・置き換えるのは"
                "やめてください。self.dW と self.db は毎回新しく計算し(+= ではなく =)、"
                "dout や x に書き込まないでください",
            ),
        ),
        forward_hint=CONV_FORWARD_HINT,
        backward_hint=CONV_BACKWARD_HINT,
        error_hint=_conv_error_hint,
    )


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


POOL_SIZE_SWAPPED_HINT = Text(
    "the windows are pool_w tall and pool_h wide: pool_h is the height of a window and pool_w its width, "
    "in the constructor and in every call (self.pool_h = pool_h, im2col(x, pool_h, pool_w, ...))",
    "ウィンドウの高さが pool_w、幅が pool_h になっています。pool_h がウィンドウの高さ、pool_w が幅です。"
    "コンストラクタでもどの呼び出しでもこの順です(self.pool_h = pool_h、im2col(x, pool_h, pool_w, ...))",
)


def _pool_forward_known(x: np.ndarray, setting: PoolSetting) -> list[Known]:
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
    swapped = PoolSetting(setting.pool_w, setting.pool_h, setting.stride, setting.pad)
    if setting.pool_h != setting.pool_w and min(swapped.out_shape(x.shape)) > 0:
        known.append(Known("out", loop_max_pool(x, *swapped.args), POOL_SIZE_SWAPPED_HINT))
    return known + _shape_knowns("out", shape_hints)


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


def _pool_oracle(values: Mapping[str, Any]) -> np.ndarray:
    return loop_max_pool(values["x"], values["pool_h"], values["pool_w"], values["stride"], values["pad"])


def _pool_setting(values: Mapping[str, Any]) -> PoolSetting:
    return PoolSetting(values["pool_h"], values["pool_w"], values["stride"], values["pad"])


def _pool_mistakes(case: Case) -> list[Known]:
    x = case.values["x"]
    setting = _pool_setting(case.values)
    found = _pool_forward_known(x, setting)
    if not isinstance(case.dout, np.ndarray):
        return found
    N, C, _H, _W = x.shape
    _, _, out_h, out_w = case.dout.shape
    dcol = Text(
        "that is dcol, the gradient of im2col's matrix: fold it back with "
        "col2im(dcol, x.shape, pool_h, pool_w, stride, pad)",
        "それは dcol(im2col の行列の勾配)です。col2im(dcol, x.shape, pool_h, pool_w, stride, pad) で"
        "画像の形に戻してください",
    )
    dcol_shape = (N * out_h * out_w, C * setting.pool_h * setting.pool_w)
    return [*_pool_backward_known(x, case.dout, setting), *found, Known("dx", None, dcol, shape=dcol_shape)]


def _pool_case(x: np.ndarray, setting: PoolSetting, dout_seed: int | None = None, hygiene: bool = False) -> Case:
    values = {"pool_h": setting.pool_h, "pool_w": setting.pool_w, "stride": setting.stride, "pad": setting.pad, "x": x}
    dout = None if dout_seed is None else generator(dout_seed).normal(size=setting.out_shape(x.shape))
    return Case(setting.context(x), values, dout, hygiene)


def _pooling() -> Layer:
    overlapping = PoolSetting(3, 3, stride=2, pad=0)
    sliding = PoolSetting(2, 2, stride=1, pad=1)
    tall = PoolSetting(3, 2, stride=2, pad=0)
    # mixed signs where there is no padding; positive where there is, so zero and -inf padding agree
    mixed = _pool_input(91, (2, 3, 5, 7), overlapping, -3.0, 3.0)
    positive = _pool_input(92, (1, 3, 5, 7), sliding, 0.5, 4.0)
    non_square = _pool_input(93, (2, 3, 7, 6), tall, -3.0, 3.0)
    # windows wider than the image: (W + 2 * pad - pool_w) // stride + 1 = 2, while the arguments
    # swapped, (pool_w + 2 * pad - W) // stride + 1, give 4
    wide = PoolSetting(2, 3, stride=1, pad=1)
    narrow = _distinct(94, (2, 3, 4, 2), 0.5, 4.0)
    defaulted = PoolSetting(2, 2, stride=1, pad=0)
    plain_input = _distinct(98, (2, 2, 4, 5), -3.0, 3.0)
    no_extra = Text("", "")
    positive_note = Text(
        "positive values, so the zero padding is never a maximum", "正の値のみ(ゼロパディングが最大になることはない)"
    )

    def forward(
        name: str, name_ja: str, x: np.ndarray, setting: PoolSetting, extra: Text, defaults: tuple[str, ...] = ()
    ) -> Cases:
        case = _pool_case(x, setting)
        return Cases(Text(name, name_ja), setting.context(x, extra), (replace(case, defaults=defaults),))

    def gradient(
        name: str, name_ja: str, x: np.ndarray, seed: int, setting: PoolSetting, extra: Text, hygiene: bool = False
    ) -> Cases:
        shared = _shared_maxima(x, *setting.args)
        note = Text(
            f"random dout; {shared} pixels are the maximum of more than one window",
            f"ランダムな dout。{shared} 個の画素が複数のウィンドウの最大値",
        )
        return Cases(Text(name, name_ja), setting.context(x, extra, note), (_pool_case(x, setting, seed, hygiene),))

    return Layer(
        name="Pooling",
        constructor=("pool_h", "pool_w", "stride", "pad"),
        reference=Pooling,
        oracle=_pool_oracle,
        oracle_text=LOOP,
        mistakes=_pool_mistakes,
        directions=POOL_DIRECTIONS,
        forward=(
            forward(
                "Pooling: forward takes the max of overlapping 3x3 windows, stride 2",
                "Pooling: 重なる 3x3 ウィンドウ、ストライド 2 の最大値をとる順伝播",
                mixed,
                overlapping,
                no_extra,
            ),
            forward(
                "Pooling: forward with 2x2 windows, stride 1, pad 1 on a batch of one",
                "Pooling: 画像 1 枚のバッチに 2x2 ウィンドウ、ストライド 1、パディング 1 の順伝播",
                positive,
                sliding,
                positive_note,
            ),
            forward(
                "Pooling: forward with 2x3 windows, stride 1, pad 1 on 4x2 images (narrower than a window)",
                "Pooling: 4x2 の画像(ウィンドウより幅が狭い)に 2x3 ウィンドウ、ストライド 1、パディング 1 の順伝播",
                narrow,
                wide,
                positive_note,
            ),
            forward(
                "Pooling: Pooling(pool_h, pool_w) has the defaults stride=1, pad=0",
                "Pooling: Pooling(pool_h, pool_w) の既定値は stride=1、pad=0",
                plain_input,
                defaulted,
                Text("Pooling(2, 2): stride and pad left to their defaults", "Pooling(2, 2): stride と pad は既定値"),
                defaults=("stride", "pad"),
            ),
        ),
        gradient=(
            gradient(
                "Pooling: backward routes each gradient to its window's maximum only, 3x3 windows, stride 2",
                "Pooling: 逆伝播で各勾配をウィンドウの最大値の位置だけに流す(3x3 ウィンドウ、ストライド 2)",
                mixed,
                95,
                overlapping,
                no_extra,
                hygiene=True,
            ),
            gradient(
                "Pooling: backward with overlapping 2x2 windows, stride 1, pad 1: shared maxima add up",
                "Pooling: 重なる 2x2 ウィンドウ、ストライド 1、パディング 1 の逆伝播(共有される最大値には勾配を合計)",
                positive,
                96,
                sliding,
                positive_note,
            ),
            gradient(
                "Pooling: forward and backward with non-square 3x2 windows, stride 2",
                "Pooling: 正方形でない 3x2 ウィンドウ、ストライド 2 の順伝播と逆伝播",
                non_square,
                97,
                tall,
                no_extra,
            ),
        ),
        hygiene=Hygiene(
            overlapping.context(mixed, CALLS),
            hint=Text(
                "backward(dout) must depend only on dout and the positions of the maxima that forward stored, "
                "and leave both as they were: a second backward(dout) needs self.arg_max and self.x again (do not "
                "delete or reassign them); build dx in a new array and do not write into dout or x",
                "backward(dout) は dout と forward が保存した最大値の位置だけで決まり、どちらも変えてはいけません。"
                "2 回目の backward(dout) でも self.arg_max と self.x を使うので、"
                "削除したり置き換えたりしないでください。dx は新しい配列に作り、dout や x に書き込まないでください",
            ),
        ),
        forward_hint=POOL_FORWARD_HINT,
        backward_hint=POOL_BACKWARD_HINT,
        error_hint=_pool_error_hint,
    )


def build_checks() -> list[Check]:
    """Every check of exercise 8."""
    return [*layer_checks(_convolution()), *layer_checks(_pooling())]
