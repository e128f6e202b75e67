"""Exercise 9: weight initialisation and weight decay.

Implement the two standard initial-weight scales and the L2 / L1 penalties
used to regularise a network (Deep Learning from Scratch, chapters 6.2 and
6.4).

    xavier_init(n_in, n_out, rng=None)   normal, std 1 / sqrt(n_in)   (sigmoid, tanh)
    he_init(n_in, n_out, rng=None)       normal, std sqrt(2 / n_in)   (ReLU)
    l2_penalty(weights, lam)             0.5 * lam * sum of all W ** 2
    l2_grad(W, lam)                      lam * W
    l1_penalty(weights, lam)             lam * sum of all abs(W)
    l1_grad(W, lam)                      lam * sign(W)

Grade it with:   grade exercise 9
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.

課題 9：重みの初期値と荷重減衰（Weight decay）

重みの初期値の 2 つの代表的なスケールと、ネットワークを正則化する
L2・L1 ペナルティを実装します（『ゼロから作る Deep Learning』6.2 節・6.4 節）。

採点コマンド:    grade exercise 9
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


def xavier_init(
    n_in: int, n_out: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Xavier (Glorot) initial weights, for sigmoid or tanh layers.

    Parameters
    ----------
    n_in : int
        Number of inputs of the layer (nodes in the previous layer).
    n_out : int
        Number of outputs of the layer.
    rng : numpy.random.Generator or None
        Source of randomness; None means a fresh np.random.default_rng().

    Returns
    -------
    ndarray of float, shape (n_in, n_out)
        Samples of a normal distribution with mean 0 and
        standard deviation 1 / sqrt(n_in).

    Pitfalls / 注意
    ---------------
    Draw from rng (rng.standard_normal or rng.normal), not from the global
    np.random functions, so that the same seed gives the same weights.  The
    scale uses n_in (the previous layer), not n_out.

    Xavier の初期値（sigmoid や tanh の層向け）
    -------------------------------------------
    入力 n_in  : 層への入力の数（前の層のノード数）
    入力 n_out : 層の出力の数
    入力 rng   : 乱数生成器 numpy.random.Generator。None のときは新しく
                 np.random.default_rng() を作ります。
    出力       : 形状 (n_in, n_out) の float の ndarray。平均 0、
                 標準偏差 1 / sqrt(n_in) の正規分布からのサンプル
    注意: グローバルな np.random の関数ではなく rng から乱数を作りましょう
    （rng.standard_normal や rng.normal）。同じシードなら同じ重みになります。
    スケールに使うのは n_out ではなく n_in（前の層のノード数）です。
    """
    raise NotImplementedError("xavier_init: not implemented yet (未実装)")


def he_init(
    n_in: int, n_out: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """He initial weights, for ReLU layers.

    Parameters
    ----------
    n_in : int
        Number of inputs of the layer (nodes in the previous layer).
    n_out : int
        Number of outputs of the layer.
    rng : numpy.random.Generator or None
        Source of randomness; None means a fresh np.random.default_rng().

    Returns
    -------
    ndarray of float, shape (n_in, n_out)
        Samples of a normal distribution with mean 0 and
        standard deviation sqrt(2 / n_in).

    Pitfalls / 注意
    ---------------
    The standard deviation is sqrt(2 / n_in), not 2 / n_in (that is the
    variance).  Draw from rng, not from the global np.random functions.

    He の初期値（ReLU の層向け）
    ----------------------------
    入力 n_in  : 層への入力の数（前の層のノード数）
    入力 n_out : 層の出力の数
    入力 rng   : 乱数生成器 numpy.random.Generator。None のときは新しく
                 np.random.default_rng() を作ります。
    出力       : 形状 (n_in, n_out) の float の ndarray。平均 0、
                 標準偏差 sqrt(2 / n_in) の正規分布からのサンプル
    注意: 標準偏差は sqrt(2 / n_in) です（2 / n_in は分散）。
    グローバルな np.random の関数ではなく rng から乱数を作りましょう。
    """
    raise NotImplementedError("he_init: not implemented yet (未実装)")


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    """L2 penalty (weight decay) added to the loss.

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices W1, W2, ... (biases are usually not included).
    lam : float
        Strength of the penalty (lambda).

    Returns
    -------
    float
        0.5 * lam * sum over the matrices of sum(W ** 2).

    Pitfalls / 注意
    ---------------
    Sum over every element of every matrix, then multiply once by 0.5 * lam.
    The 0.5 is what makes the gradient simply lam * W.

    L2 ペナルティ（荷重減衰、損失に加える項）
    -----------------------------------------
    入力 weights : 重み行列 W1, W2, ... のリスト（通常バイアスは含めません）
    入力 lam     : ペナルティの強さ（λ）
    出力         : 0.5 * lam * （各行列の sum(W ** 2) の合計）（float）
    注意: すべての行列のすべての要素について足し合わせてから、0.5 * lam を
    1 回だけ掛けます。0.5 があるおかげで、勾配はちょうど lam * W になります。
    """
    raise NotImplementedError("l2_penalty: not implemented yet (未実装)")


def l2_grad(W: np.ndarray, lam: float) -> np.ndarray:
    """Gradient of the L2 penalty with respect to one weight matrix.

    Parameters
    ----------
    W : ndarray of float, any shape
        One weight matrix.
    lam : float
        Strength of the penalty.

    Returns
    -------
    ndarray of float, same shape as W
        lam * W, to be added to the loss gradient dW.

    L2 ペナルティの勾配（重み行列 1 つについて）
    --------------------------------------------
    入力 W   : 重み行列（任意の形状）
    入力 lam : ペナルティの強さ
    出力     : lam * W（W と同じ形状）。損失の勾配 dW に足して使います。
    """
    raise NotImplementedError("l2_grad: not implemented yet (未実装)")


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    """L1 penalty added to the loss.

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices W1, W2, ...
    lam : float
        Strength of the penalty (lambda).

    Returns
    -------
    float
        lam * sum over the matrices of sum(abs(W)).  No factor 0.5 here.

    Pitfalls / 注意
    ---------------
    Absolute values, not squares, and no 0.5.

    L1 ペナルティ（損失に加える項）
    -------------------------------
    入力 weights : 重み行列 W1, W2, ... のリスト
    入力 lam     : ペナルティの強さ（λ）
    出力         : lam * （各行列の sum(abs(W)) の合計）（float）。
                   0.5 は掛けません。
    注意: 二乗ではなく絶対値です。0.5 も不要です。
    """
    raise NotImplementedError("l1_penalty: not implemented yet (未実装)")


def l1_grad(W: np.ndarray, lam: float) -> np.ndarray:
    """(Sub)gradient of the L1 penalty with respect to one weight matrix.

    Parameters
    ----------
    W : ndarray of float, any shape
        One weight matrix.
    lam : float
        Strength of the penalty.

    Returns
    -------
    ndarray of float, same shape as W
        lam * sign(W): +lam where W > 0, -lam where W < 0, 0 where W == 0.

    L1 ペナルティの勾配（劣勾配、重み行列 1 つについて）
    ----------------------------------------------------
    入力 W   : 重み行列（任意の形状）
    入力 lam : ペナルティの強さ
    出力     : lam * sign(W)（W と同じ形状）。W > 0 なら +lam、W < 0 なら
               -lam、W == 0 なら 0
    """
    raise NotImplementedError("l1_grad: not implemented yet (未実装)")
