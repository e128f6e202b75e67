"""Exercise 3: derivatives and backpropagation.

Implement the derivatives of the activation functions and losses, then use
the chain rule to compute the gradients of a two-layer network by hand
(Deep Learning from Scratch, chapter 5; the E-certificate course's
"backward" exercise).

    d_sigmoid(u)                   derivative of sigmoid at u
    d_relu(u)                      1.0 where u > 0, else 0.0
    d_softmax_with_loss(d, y)      (y - onehot(d)) / N
    d_mean_squared_error(d, y)     (y - d) / y.size
    backward(network, x, d, z1, y) gradients W1, b1, W2, b2

Grade it with:   grade exercise 3
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files, e.g. ``from ex01_activations import sigmoid`` or
``from ex02_softmax_loss import one_hot``.  The reference implementation and
the worked solutions can not be imported while your file is graded.

課題 3：微分と誤差逆伝播

活性化関数と損失関数の微分を実装し、連鎖律を使って 2 層ネットワークの
勾配を手で計算します（『ゼロから作る Deep Learning』第 5 章、
E資格講座の backward の課題）。

採点コマンド:    grade exercise 3
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル
（例: ``from ex01_activations import sigmoid``、
``from ex02_softmax_loss import one_hot``）。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


def d_sigmoid(u: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid at the pre-activation u.

    Parameters
    ----------
    u : ndarray of float, any shape
        Input of the sigmoid (not its output).

    Returns
    -------
    ndarray of float, same shape as u
        sigmoid(u) * (1 - sigmoid(u)).

    Pitfalls / 注意
    ---------------
    u is the sigmoid's input.  Writing u * (1 - u) is the derivative only
    when you already hold the output z = sigmoid(u).

    シグモイド関数の微分
    --------------------
    入力 u : シグモイド関数への入力（出力ではありません）。任意の形状
    出力   : u と同じ形状。sigmoid(u) * (1 - sigmoid(u))
    注意: u はシグモイド関数の「入力」です。u * (1 - u) と書けるのは、
    出力 z = sigmoid(u) を受け取った場合だけです。
    """
    raise NotImplementedError("d_sigmoid: not implemented yet (未実装)")


def d_relu(u: np.ndarray) -> np.ndarray:
    """Derivative of ReLU at the pre-activation u.

    Parameters
    ----------
    u : ndarray of float, any shape
        Input of the ReLU.

    Returns
    -------
    ndarray of float, same shape as u
        1.0 where u > 0, else 0.0 (u = 0 gives 0.0).

    Pitfalls / 注意
    ---------------
    Return floats, not booleans: u > 0 alone is a bool array.

    ReLU 関数の微分
    ---------------
    入力 u : ReLU への入力。任意の形状
    出力   : u と同じ形状の float の ndarray。u > 0 なら 1.0、それ以外
             （u = 0 を含む）は 0.0
    注意: u > 0 だけでは bool の配列です。float にして返しましょう。
    """
    raise NotImplementedError("d_relu: not implemented yet (未実装)")


def d_softmax_with_loss(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of cross_entropy_error(d, softmax(u)) with respect to u.

    Parameters
    ----------
    d : ndarray
        Teacher data: one-hot of y's shape, or integer labels (N,) (a 0-d
        integer array for a single sample).
    y : ndarray of float, shape (K,) or (N, K)
        Softmax output y = softmax(u).

    Returns
    -------
    ndarray of float, same shape as y
        (y - onehot(d)) / N, where N is the batch size (N = 1 for a single
        sample of shape (K,)).

    Pitfalls / 注意
    ---------------
    The loss is the mean over the batch, so the gradient is divided by the
    batch size N.  Do not modify y in place: copy it before subtracting.

    Softmax-with-Loss の勾配
    ------------------------
    入力 d : 教師データ。y と同じ形状の one-hot 表現、または形状 (N,) の
             整数ラベル（データ 1 件のときは 0 次元の整数配列）
    入力 y : ソフトマックスの出力 y = softmax(u)。形状 (K,) または (N, K)
    出力   : u についての勾配 (y - onehot(d)) / N（y と同じ形状）。
             N はバッチサイズ（データ 1 件 (K,) なら N = 1）
    注意: 損失はミニバッチの平均なので、勾配もバッチサイズ N で割るのを
    忘れないでください。また、引数の y を直接書き換えず、コピーしてから
    引き算しましょう。
    """
    raise NotImplementedError("d_softmax_with_loss: not implemented yet (未実装)")


def d_mean_squared_error(d: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of mean_squared_error(d, y) with respect to y.

    Parameters
    ----------
    d : ndarray of float, same shape as y
        Teacher data.
    y : ndarray of float, any shape
        Network output.

    Returns
    -------
    ndarray of float, same shape as y
        (y - d) / y.size, consistent with mean((y - d) ** 2) / 2.

    Pitfalls / 注意
    ---------------
    The loss averages over all elements, so divide by y.size, not by the
    batch size.

    平均二乗誤差の勾配
    ------------------
    入力 d : 教師データ（y と同じ形状）
    入力 y : ネットワークの出力（任意の形状）
    出力   : y についての勾配 (y - d) / y.size（y と同じ形状）。
             損失 mean((y - d) ** 2) / 2 の微分です。
    注意: 損失は全要素の平均なので、割る数はバッチサイズではなく
    要素数 y.size です。
    """
    raise NotImplementedError("d_mean_squared_error: not implemented yet (未実装)")


def backward(
    network: dict[str, np.ndarray],
    x: np.ndarray,
    d: np.ndarray,
    z1: np.ndarray,
    y: np.ndarray,
) -> dict[str, np.ndarray]:
    """Gradients of a two-layer ReLU / softmax network by backpropagation.

    The network (already run forwards) is
        u1 = x @ W1 + b1,  z1 = relu(u1),
        u2 = z1 @ W2 + b2, y = softmax(u2),
    and the loss is cross_entropy_error(d, y), the mean over the batch.

    Parameters
    ----------
    network : dict of ndarray
        W1 (D, H), b1 (H,), W2 (H, K), b2 (K,).
    x : ndarray of float, shape (N, D)
        Input mini-batch.
    d : ndarray
        Teacher data: one-hot (N, K) or integer labels (N,).
    z1 : ndarray of float, shape (N, H)
        Hidden layer output relu(u1), saved from the forward pass.
    y : ndarray of float, shape (N, K)
        Network output softmax(u2), saved from the forward pass.

    Returns
    -------
    dict of ndarray
        Keys W1, b1, W2, b2, each of its parameter's shape:
            du2 = (y - onehot(d)) / N
            dW2 = z1.T @ du2,  db2 = sum of du2 over the batch axis
            du1 = (du2 @ W2.T) * d_relu(u1)
            dW1 = x.T @ du1,   db1 = sum of du1 over the batch axis

    Pitfalls / 注意
    ---------------
    Divide by N exactly once (in du2); the bias gradients are sums over the
    batch axis, not means.  u1 is not passed in: relu's derivative is 1
    exactly where z1 > 0.  Check every gradient's shape against its
    parameter's.

    2 層ネットワーク（ReLU・ソフトマックス）の誤差逆伝播
    ----------------------------------------------------
    順伝播は次のとおりです（すでに計算済み）:
        u1 = x @ W1 + b1,  z1 = relu(u1),
        u2 = z1 @ W2 + b2, y = softmax(u2)
    損失は cross_entropy_error(d, y)（ミニバッチの平均）です。

    入力 network : W1 (D, H), b1 (H,), W2 (H, K), b2 (K,) を持つ辞書
    入力 x       : 入力データのミニバッチ (N, D)
    入力 d       : 教師データ。one-hot (N, K) または整数ラベル (N,)
    入力 z1      : 順伝播で保存した中間層の出力 relu(u1)、形状 (N, H)
    入力 y       : 順伝播で保存したネットワークの出力 softmax(u2)、形状 (N, K)
    出力         : キー W1, b1, W2, b2 を持つ辞書。各勾配の形状は
                   対応するパラメータと同じです。
                       du2 = (y - onehot(d)) / N
                       dW2 = z1.T @ du2,  db2 = du2 のバッチ方向の和
                       du1 = (du2 @ W2.T) * d_relu(u1)
                       dW1 = x.T @ du1,   db1 = du1 のバッチ方向の和
    注意: N で割るのは 1 回だけ（du2 のところ）です。バイアスの勾配は
    バッチ方向の「和」で、平均ではありません。u1 は引数にありませんが、
    ReLU の微分が 1 になるのはちょうど z1 > 0 のところです。
    各勾配の形状がパラメータの形状と一致しているか確かめましょう。
    """
    raise NotImplementedError("backward: not implemented yet (未実装)")
