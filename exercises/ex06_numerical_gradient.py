"""Exercise 6: numerical differentiation.

Approximate derivatives and gradients by central differences (Deep Learning
from Scratch, chapter 4.3-4.4).  Numerical gradients are slow but simple, and
they are the standard way to check a backward implementation
("gradient check").

    numerical_diff(f, x)       (f(x + h) - f(x - h)) / (2 * h),  h = 1e-4
    numerical_gradient(f, x)   the same, for each element of an ndarray x

Grade it with:   grade exercise 6
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.

課題 6：数値微分

中心差分を使って、微分と勾配を近似的に求めます（『ゼロから作る Deep Learning』
4.3〜4.4 節）。数値微分は遅いものの実装が簡単で、誤差逆伝播の実装が正しいか
確かめる「勾配確認」（gradient check）によく使われます。

採点コマンド:    grade exercise 6
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_diff(f: Callable[[float], float], x: float) -> float:
    """Derivative of a one-variable function by the central difference.

    Parameters
    ----------
    f : callable
        Function of one scalar, returning a scalar.
    x : float
        Point at which to differentiate.

    Returns
    -------
    float
        (f(x + h) - f(x - h)) / (2 * h), with h = 1e-4.

    Pitfalls / 注意
    ---------------
    Use the central difference, not the forward difference
    (f(x + h) - f(x)) / h, which is less accurate.  A much smaller h such as
    1e-50 fails: x + h rounds back to x in floating point.

    中心差分による 1 変数関数の微分
    -------------------------------
    入力 f : スカラーを受け取りスカラーを返す関数
    入力 x : 微分を求める点（スカラー）
    出力   : (f(x + h) - f(x - h)) / (2 * h)。h = 1e-4 とします。
    注意: 前方差分 (f(x + h) - f(x)) / h ではなく、より誤差の小さい中心差分を
    使います。h を 1e-50 のように小さくしすぎると、丸め誤差で x + h が x と
    同じ値になってしまいます。
    """
    raise NotImplementedError("numerical_diff: not implemented yet (未実装)")


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Gradient of a scalar function of an ndarray, by central differences.

    Parameters
    ----------
    f : callable
        f(x) returns a scalar (e.g. a loss).  f may ignore its argument and
        read the same array x by reference, as in
        ``f = lambda w: net.loss(x_batch, t_batch)`` with x = net.params["W1"].
    x : ndarray of float, any shape (1-D, 2-D, 4-D, ...)
        Point at which to take the gradient.

    Returns
    -------
    ndarray of float, same shape as x
        For each element x[i]:
            (f(x with x[i] + h) - f(x with x[i] - h)) / (2 * h),  h = 1e-4
        When the function returns, x holds exactly its original values.

    Pitfalls / 注意
    ---------------
    Change x in place, one element at a time, so that a function reading x
    by reference sees the change; do not pass a modified copy.  Restore each
    element right after using it.  Loop over every index of any shape (see
    np.nditer or np.ndindex), not only over rows of a 2-D array.

    中心差分による勾配（多変数関数）
    --------------------------------
    入力 f : f(x) がスカラー（損失など）を返す関数。f は引数を使わずに、
             同じ配列 x を参照で読む場合もあります。例:
             ``f = lambda w: net.loss(x_batch, t_batch)``、
             x = net.params["W1"]
    入力 x : 任意の形状（1 次元、2 次元、4 次元など）の float の ndarray
    出力   : x と同じ形状の勾配。各要素 x[i] について
                 (x[i] + h のときの f - x[i] - h のときの f) / (2 * h)、
                 h = 1e-4
             関数が戻ったとき、x は元の値のままでなければなりません。
    注意: x のコピーではなく x そのものを 1 要素ずつ書き換えて f を呼びます
    （f が x を参照で読んでいる場合に備えるため）。使い終わった要素は
    すぐに元の値に戻しましょう。2 次元の行だけでなく、どんな形状でも
    すべての要素を回れるようにします（np.nditer や np.ndindex が便利です）。
    """
    raise NotImplementedError("numerical_gradient: not implemented yet (未実装)")
