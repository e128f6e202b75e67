"""Exercise 8: convolution and pooling layers.

Build the convolution layer and the max-pooling layer of a CNN on top of your
im2col and col2im from exercise 5 (Deep Learning from Scratch, chapter 7.4).
Images are (N, C, H, W); filters are (FN, C, FH, FW).

    Convolution(W, b, stride=1, pad=0)           (N, C, H, W) -> (N, FN, OH, OW)
    Pooling(pool_h, pool_w, stride=1, pad=0)     max pooling, per channel

Grade it with:   grade exercise 8
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  This file already imports your im2col and col2im from
exercise 5 (ex05_im2col.py), so finish exercise 5 first.  The reference
implementation and the worked solutions can not be imported while your file
is graded.

課題 8：畳み込み層とプーリング層

課題 5 で作った im2col と col2im を使って、CNN の畳み込み層と
Max プーリング層を実装します（『ゼロから作る Deep Learning』7.4 節）。
画像の形状は (N, C, H, W)、フィルターの形状は (FN, C, FH, FW) です。

採点コマンド:    grade exercise 8
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
このファイルは課題 5（ex05_im2col.py）の im2col と col2im をすでに import して
いるので、先に課題 5 を完成させておきましょう。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np

from ex05_im2col import col2im, im2col  # noqa: F401  (for your code)


class Convolution:
    """Convolution layer, computed as one matrix product with im2col.

    Parameters
    ----------
    W : ndarray of float, shape (FN, C, FH, FW)
        Filters.
    b : ndarray of float, shape (FN,)
        One bias per filter.
    stride : int
        Step between windows.
    pad : int
        Zero padding on each side of H and W.

    forward(x) -> out
        x : (N, C, H, W).  out : (N, FN, OH, OW), with
        OH = (H + 2 * pad - FH) // stride + 1, likewise OW.
        col = im2col(x, FH, FW, stride, pad)       (N*OH*OW, C*FH*FW)
        out = col @ W.reshape(FN, -1).T + b       (N*OH*OW, FN), then
        reshaped and transposed to (N, FN, OH, OW).
    backward(dout) -> dx
        dout : (N, FN, OH, OW).  Sets self.dW (FN, C, FH, FW) and
        self.db (FN,); returns dx (N, C, H, W) through col2im.

    Pitfalls / 注意
    ---------------
    The product's rows are ordered (n, oy, ox) and its columns are the
    filters: reshape to (N, OH, OW, FN) and then transpose; reshaping
    straight to (N, FN, OH, OW) scrambles the output.  In backward, undo that
    transpose before anything else.  Keep col (and the reshaped W) from
    forward; backward needs them.

    畳み込み層（im2col を使い、1 回の行列の積で計算する）
    ----------------------------------------------------
    引数 W      : フィルター（重み）、形状 (FN, C, FH, FW)
    引数 b      : バイアス（フィルターごとに 1 つ）、形状 (FN,)
    引数 stride : ストライド
    引数 pad    : H と W の両側に加えるゼロパディングの幅
    forward(x) -> out
        x : (N, C, H, W)。out : (N, FN, OH, OW)。
        OH = (H + 2 * pad - FH) // stride + 1（OW も同様）
        col = im2col(x, FH, FW, stride, pad)       (N*OH*OW, C*FH*FW)
        out = col @ W.reshape(FN, -1).T + b       (N*OH*OW, FN)
        これを reshape・transpose して (N, FN, OH, OW) にします。
    backward(dout) -> dx
        dout : (N, FN, OH, OW)。self.dW (FN, C, FH, FW) と self.db (FN,) を
        保存し、col2im を使って dx (N, C, H, W) を返します。
    注意: 積の結果は、行が (n, oy, ox) の順、列がフィルターの番号です。
    いったん (N, OH, OW, FN) に reshape してから transpose しましょう。
    いきなり (N, FN, OH, OW) に reshape すると、出力の並びが崩れます。
    backward では、最初にこの transpose を元に戻します。
    forward で求めた col（と reshape した W）は backward でも使うので、
    保存しておきましょう。
    """

    def __init__(
        self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
    ) -> None:
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the convolution of x with W, plus b.  順伝播。"""
        raise NotImplementedError("Convolution.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dW, self.db and return dx.  逆伝播。"""
        raise NotImplementedError("Convolution.backward: not implemented yet (未実装)")


class Pooling:
    """Max pooling layer, applied to each channel separately.

    Parameters
    ----------
    pool_h, pool_w : int
        Window height and width.
    stride : int
        Step between windows.
    pad : int
        Zero padding on each side of H and W.

    forward(x) -> out
        x : (N, C, H, W).  out : (N, C, OH, OW), the maximum of each window,
        with OH = (H + 2 * pad - pool_h) // stride + 1, likewise OW.
    backward(dout) -> dx
        dout : (N, C, OH, OW).  dx : (N, C, H, W); each window's gradient
        goes entirely to the element that was its maximum, the other
        elements get 0; where windows overlap, the gradients add up.

    Pitfalls / 注意
    ---------------
    im2col's columns mix the channels ((c, fy, fx) order): reshape so that
    each row holds one window of one channel before taking the max.  Save
    the position of each maximum (argmax) in forward for backward; a mask
    "x == max" sends the gradient to every tied element instead of one.

    Max プーリング層（チャンネルごとに適用）
    ----------------------------------------
    引数 pool_h, pool_w : ウィンドウの高さと幅
    引数 stride         : ストライド
    引数 pad            : H と W の両側に加えるゼロパディングの幅
    forward(x) -> out
        x : (N, C, H, W)。out : (N, C, OH, OW) で、各ウィンドウの最大値です。
        OH = (H + 2 * pad - pool_h) // stride + 1（OW も同様）
    backward(dout) -> dx
        dout : (N, C, OH, OW)。dx : (N, C, H, W)。各ウィンドウの勾配は、
        そのウィンドウで最大だった要素にすべて流し、ほかの要素は 0 です。
        ウィンドウが重なるところでは勾配を足し合わせます。
    注意: im2col の列には複数のチャンネルが混ざっています（(c, fy, fx) の順）。
    最大値をとる前に、1 行が「1 チャンネルの 1 ウィンドウ」になるよう
    reshape しましょう。最大値の位置（argmax）を forward で保存して
    backward で使います。「x == 最大値」のマスクを使うと、同じ値が複数ある
    ときに勾配がそのすべてに流れてしまいます。
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None
        self.arg_max = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the maximum of every window.  順伝播。"""
        raise NotImplementedError("Pooling.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Route each gradient to its window's maximum.  逆伝播。"""
        raise NotImplementedError("Pooling.backward: not implemented yet (未実装)")
