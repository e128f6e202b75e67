"""Exercise 5: convolution as a matrix product (im2col / col2im).

``im2col`` unrolls every filter-sized window of a batch of images into one
row of a matrix, so that a convolution becomes a single matrix product;
``col2im`` is its adjoint and carries gradients back to the image
(Deep Learning from Scratch, chapter 7.4).  Images are (N, C, H, W).

    conv_output_size(input_size, filter_size, stride=1, pad=0)
        (input_size + 2 * pad - filter_size) // stride + 1
    im2col(input_data, filter_h, filter_w, stride=1, pad=0)
        (N, C, H, W) -> (N * out_h * out_w, C * filter_h * filter_w)
    col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0)
        back to input_shape, adding up overlapping windows

Grade it with:   grade exercise 5
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.  Exercise 8 (convolution and
pooling layers) imports your im2col and col2im from this file.

課題 5：行列の積による畳み込み（im2col / col2im）

im2col は、画像のミニバッチからフィルターの大きさの領域（ウィンドウ）を
1 行ずつ取り出して行列に並べます。これで畳み込みが 1 回の行列の積になります。
col2im はその逆向きの操作（随伴）で、勾配を画像の形に戻します
（『ゼロから作る Deep Learning』7.4 節）。画像の形状は (N, C, H, W) です。

採点コマンド:    grade exercise 5
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
課題 8（畳み込み層・プーリング層）では、このファイルの im2col と col2im を
import して使います。
"""

from __future__ import annotations

import numpy as np


def conv_output_size(
    input_size: int, filter_size: int, stride: int = 1, pad: int = 0
) -> int:
    """Output height (or width) of a convolution or pooling.

    Parameters
    ----------
    input_size : int
        Input height H (or width W).
    filter_size : int
        Filter height FH (or width FW).
    stride : int
        Step between windows.
    pad : int
        Zero padding added on each side.

    Returns
    -------
    int
        (input_size + 2 * pad - filter_size) // stride + 1

    Pitfalls / 注意
    ---------------
    Use integer division (//): the result is a Python int, not a float.

    畳み込み・プーリングの出力サイズ
    --------------------------------
    入力 input_size  : 入力の高さ H（または幅 W）
    入力 filter_size : フィルターの高さ FH（または幅 FW）
    入力 stride      : ストライド（ウィンドウを動かす幅）
    入力 pad         : 上下（左右）それぞれに加えるゼロパディングの幅
    出力             : (input_size + 2 * pad - filter_size) // stride + 1（int）
    注意: 整数の割り算 // を使い、float ではなく int を返しましょう。
    """
    raise NotImplementedError("conv_output_size: not implemented yet (未実装)")


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Unroll the filter windows of a batch of images into rows of a matrix.

    Parameters
    ----------
    input_data : ndarray of float, shape (N, C, H, W)
        Batch of images.
    filter_h, filter_w : int
        Filter height and width.
    stride : int
        Step between windows.
    pad : int
        Zero padding added on each side of H and W.

    Returns
    -------
    ndarray of float, shape (N * out_h * out_w, C * filter_h * filter_w)
        out_h = conv_output_size(H, filter_h, stride, pad), likewise out_w.
        Rows are ordered by (n, out_y, out_x); columns by
        (c, filter_y, filter_x).  Row (n, oy, ox), column (c, fy, fx) holds
        the padded image at [n, c, oy * stride + fy, ox * stride + fx].

    Pitfalls / 注意
    ---------------
    The order of rows and columns matters: Convolution reshapes the product
    assuming exactly this order.  Gather into a (N, C, FH, FW, out_h, out_w)
    array and then transpose before the final reshape; reshaping without
    transposing scrambles the order.  Pad with zeros, and only H and W.

    画像のミニバッチからウィンドウを取り出して行列の行に並べる
    ----------------------------------------------------------
    入力 input_data       : 形状 (N, C, H, W) の画像のミニバッチ
    入力 filter_h, filter_w : フィルターの高さと幅
    入力 stride           : ストライド
    入力 pad              : H と W の両側に加えるゼロパディングの幅
    出力 : 形状 (N * out_h * out_w, C * filter_h * filter_w) の 2 次元配列。
           out_h = conv_output_size(H, filter_h, stride, pad)（out_w も同様）。
           行は (n, out_y, out_x) の順、列は (c, filter_y, filter_x) の順に
           並べます。行 (n, oy, ox)・列 (c, fy, fx) の値は、パディング後の
           画像の [n, c, oy * stride + fy, ox * stride + fx] です。
    注意: 行と列の並び順が重要です。畳み込み層はこの順番を前提に積の結果を
    reshape します。(N, C, FH, FW, out_h, out_w) の配列に集めてから
    transpose し、最後に reshape しましょう。transpose せずに reshape すると
    順番がばらばらになります。パディングは 0 で、H と W の方向だけです。
    """
    raise NotImplementedError("im2col: not implemented yet (未実装)")


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """Fold the rows of a column matrix back into images (adjoint of im2col).

    Parameters
    ----------
    col : ndarray of float, shape (N * out_h * out_w, C * filter_h * filter_w)
        Column matrix, ordered as im2col orders it.
    input_shape : tuple of int
        (N, C, H, W), the shape of the original images.
    filter_h, filter_w : int
        Filter height and width.
    stride : int
        Step between windows.
    pad : int
        Zero padding that im2col added on each side.

    Returns
    -------
    ndarray of float, shape input_shape
        Every entry of col added back to the pixel it was taken from; pixels
        covered by several windows receive the sum.  The padding is cut off.
        For any x and c: sum(im2col(x, ...) * c) == sum(x * col2im(c, ...)).

    Pitfalls / 注意
    ---------------
    Overlapping windows must ADD (+=), not overwrite (=): col2im is not the
    inverse of im2col but its adjoint (transpose), which is what backward
    needs.  Work on a padded canvas, then slice the padding off.

    列の行列を画像の形に戻す（im2col の随伴）
    ----------------------------------------
    入力 col            : im2col と同じ並び順の 2 次元配列。形状は
                          (N * out_h * out_w, C * filter_h * filter_w)
    入力 input_shape    : 元の画像の形状 (N, C, H, W)
    入力 filter_h, filter_w : フィルターの高さと幅
    入力 stride         : ストライド
    入力 pad            : im2col で加えたパディングの幅
    出力 : 形状 input_shape の配列。col の各要素を取り出し元の画素に戻し、
           複数のウィンドウに含まれる画素には、その合計を入れます。
           パディングの部分は切り落とします。
           任意の x と c について
           sum(im2col(x, ...) * c) == sum(x * col2im(c, ...)) が成り立ちます。
    注意: ウィンドウが重なる画素では、代入（=）ではなく足し合わせ（+=）ます。
    col2im は im2col の逆関数ではなく随伴（転置）で、逆伝播に必要なのは
    こちらです。パディング込みの大きさの配列に足し込んでから、
    パディングを切り落としましょう。
    """
    raise NotImplementedError("col2im: not implemented yet (未実装)")
