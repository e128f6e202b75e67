"""Exercise 2: the output layer and loss functions.

Implement the softmax output layer, the two standard losses and a helper that
turns integer labels into one-hot vectors (Deep Learning from Scratch,
chapters 3.5 and 4.2).  As in the E-certificate course, ``d`` is the teacher
(target) data, ``y`` the network's output, and losses take ``(d, y)``.

    softmax(x)                   exp(x_k) / sum_j exp(x_j), row by row
    cross_entropy_error(d, y)    mean over the batch of -sum(d * log(y + 1e-7))
    mean_squared_error(d, y)     mean((y - d) ** 2) / 2
    one_hot(labels, num_classes) (N,) integer labels -> (N, num_classes)

Grade it with:   grade exercise 2
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files (e.g. ``from ex01_activations import sigmoid``).  The
reference implementation and the worked solutions can not be imported while
your file is graded.

課題 2：出力層と損失関数

ソフトマックス関数、代表的な 2 つの損失関数、整数ラベルを one-hot 表現に
変換する関数を実装します（『ゼロから作る Deep Learning』3.5 節・4.2 節）。
E資格の教材にならい、教師データを d、ネットワークの出力を y とし、
損失関数の引数の順番は (d, y) です。

採点コマンド:    grade exercise 2
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル
（例: ``from ex01_activations import sigmoid``）。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray) -> np.ndarray:
    """Softmax function, applied to each row.

    Parameters
    ----------
    x : ndarray of float, shape (K,) or (N, K)
        Scores (the output layer's input).

    Returns
    -------
    ndarray of float, same shape as x
        y_k = exp(x_k) / sum_j exp(x_j) over the last axis; every row sums
        to 1.  Must stay finite for large inputs: x = [1000, 1010, 990]
        gives a finite result.

    Pitfalls / 注意
    ---------------
    exp(1000) overflows to inf and inf / inf is nan.  Subtracting a constant
    from every score of a row does not change the result, so subtract each
    row's maximum first.  For a batch (N, K), take the max and the sum per
    row (axis and keepdims), not over the whole array.

    ソフトマックス関数（行ごと）
    ----------------------------
    入力 x : 形状 (K,) または (N, K) の float の ndarray
    出力 y : x と同じ形状。最後の軸について y_k = exp(x_k) / sum_j exp(x_j)。
             各行の和は 1 になります。
             x = [1000, 1010, 990] のような大きな入力でも有限の値を返すこと。
    注意: exp(1000) はオーバーフローして inf になり、inf / inf は nan です。
    各行から同じ定数を引いても結果は変わらないので、先に行ごとの最大値を
    引きましょう。ミニバッチ (N, K) では、最大値も和も配列全体ではなく
    行ごとに求めます（axis と keepdims を使います）。
    """
    raise NotImplementedError("softmax: not implemented yet (未実装)")


def cross_entropy_error(d: np.ndarray, y: np.ndarray) -> float:
    """Cross-entropy error, averaged over the mini-batch.

    Parameters
    ----------
    d : ndarray
        Teacher data: one-hot of y's shape, or integer labels of shape (N,)
        (a 0-d integer array for a single sample).
    y : ndarray of float, shape (K,) or (N, K)
        Predicted probabilities (softmax output).

    Returns
    -------
    float
        mean over N of -sum(d * log(y + 1e-7)).  Mean, not sum.  A single
        sample (K,) counts as a batch of N = 1.  Finite even when a
        probability is exactly 0.

    Pitfalls / 注意
    ---------------
    log(0) = -inf: add the small constant 1e-7 inside the log.  Divide by the
    batch size N, not by the number of elements.  Tell the two forms of d
    apart by comparing d's shape with y's.

    交差エントロピー誤差（ミニバッチの平均）
    ----------------------------------------
    入力 d : 教師データ。y と同じ形状の one-hot 表現、または形状 (N,) の
             整数ラベル（データ 1 件のときは 0 次元の整数配列）
    入力 y : 形状 (K,) または (N, K) の確率（ソフトマックスの出力）
    出力   : -sum(d * log(y + 1e-7)) のミニバッチの平均（float）。
             合計ではなく平均です。データ 1 件 (K,) は N = 1 として扱います。
    注意: log(0) は -inf になるので、log の中に微小な値 1e-7 を足します。
    割る数はバッチサイズ N です（要素数ではありません）。d が one-hot か
    ラベルかは、d と y の形状を比べて判断しましょう。
    """
    raise NotImplementedError("cross_entropy_error: not implemented yet (未実装)")


def mean_squared_error(d: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error over all elements, halved.

    Parameters
    ----------
    d : ndarray of float, same shape as y
        Teacher data.
    y : ndarray of float, any shape
        Network output.

    Returns
    -------
    float
        mean((y - d) ** 2) / 2, the mean taken over all elements.

    Pitfalls / 注意
    ---------------
    The book's version sums; this course takes the mean over all elements,
    then halves it (the 1/2 makes the derivative simply (y - d) / y.size).

    平均二乗誤差（全要素の平均の 1/2）
    ----------------------------------
    入力 d : 教師データ（y と同じ形状）
    入力 y : ネットワークの出力（任意の形状）
    出力   : mean((y - d) ** 2) / 2（float）。平均は全要素についてとります。
    注意: 書籍の式は総和ですが、この課題では全要素の平均をとってから
    1/2 を掛けます（1/2 があるので、微分は (y - d) / y.size と簡単になります）。
    """
    raise NotImplementedError("mean_squared_error: not implemented yet (未実装)")


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Convert integer labels to one-hot vectors.

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
        Class labels, each in 0 .. num_classes - 1.
    num_classes : int
        Number of classes K.

    Returns
    -------
    ndarray of float, shape (N, num_classes)
        Row i is all 0.0 except 1.0 in column labels[i].

    Pitfalls / 注意
    ---------------
    The result is a float array, and its number of columns is num_classes,
    not labels.max() + 1 (a batch need not contain every class).

    整数ラベルを one-hot 表現に変換
    -------------------------------
    入力 labels      : 形状 (N,) の整数ラベル（0 〜 num_classes - 1）
    入力 num_classes : クラス数 K
    出力             : 形状 (N, num_classes) の float の ndarray。
                       i 行目は labels[i] 列だけ 1.0、残りは 0.0。
    注意: 戻り値は float の配列です。列数は labels.max() + 1 ではなく
    num_classes です（ミニバッチにすべてのクラスが含まれるとは限りません）。
    """
    raise NotImplementedError("one_hot: not implemented yet (未実装)")
