"""Exercise 1: activation functions and a forward pass.

Implement the activation functions of a neural network and use them to run a
three-layer network forwards (Deep Learning from Scratch, chapter 3).

    step_function(x)      1 where x > 0, else 0
    sigmoid(x)            1 / (1 + exp(-x))
    relu(x)               max(0, x)
    identity_function(x)  x
    forward(network, x)   x -> affine -> sigmoid -> affine -> sigmoid -> affine

Grade it with:   grade exercise 1
Allowed imports: NumPy, the Python standard library.  (Later exercises may
also import your own earlier exercise files, e.g.
``from ex01_activations import sigmoid``.)  The reference implementation and
the worked solutions can not be imported while your file is graded.

課題 1：活性化関数と順伝播

ニューラルネットワークの活性化関数を実装し、それを使って 3 層ネットワークの
順伝播を計算します（『ゼロから作る Deep Learning』第 3 章）。

採点コマンド:    grade exercise 1
import できるもの: NumPy と Python 標準ライブラリ。（後の課題では、自分で書いた
前の課題ファイルも ``from ex01_activations import sigmoid`` のように
import できます。）採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


def step_function(x: np.ndarray) -> np.ndarray:
    """Step function, elementwise.

    Parameters
    ----------
    x : ndarray of float, any shape, or a Python scalar
        Input.

    Returns
    -------
    ndarray of int, same shape as x
        1 where x > 0, else 0.  For a scalar input, a 0-d integer array.

    Pitfalls / 注意
    ---------------
    Return integers (0 and 1), not booleans (True/False) and not floats.
    A Python scalar must work too: convert the input with np.asarray first.

    ステップ関数（要素ごと）
    ------------------------
    入力 x : 任意の形状の ndarray（または Python のスカラー）
    出力   : x と同じ形状の整数の ndarray。x > 0 なら 1、それ以外は 0。
             スカラーを渡したときは 0 次元の整数配列を返します。
    注意: 返すのは整数の 0 と 1 です。bool（True/False）や float のままに
    しないでください。スカラーでも動くように、まず np.asarray で配列にしましょう。
    """
    raise NotImplementedError("step_function: not implemented yet (未実装)")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Sigmoid function, elementwise.

    Parameters
    ----------
    x : ndarray of float, any shape, or a Python scalar
        Input.

    Returns
    -------
    ndarray of float, same shape as x
        1 / (1 + exp(-x)), every value between 0 and 1.  Must be finite,
        without overflow warnings, for any finite input (x = +-1000 included).

    Pitfalls / 注意
    ---------------
    For x = -1000, exp(-x) = exp(1000) overflows to inf (RuntimeWarning).
    Rewrite the formula so that exp is never taken of a large positive number
    (hint: for x < 0, 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x)); or look at
    np.logaddexp).

    シグモイド関数（要素ごと）
    --------------------------
    入力 x : 任意の形状の ndarray（または Python のスカラー）
    出力   : x と同じ形状の float の ndarray。各要素は 1 / (1 + exp(-x))。
             x = ±1000 のような大きな入力でも、警告なしに有限の値を返すこと。
    注意: x = -1000 のとき exp(-x) = exp(1000) はオーバーフローして inf に
    なります。大きな正の数の exp を計算しない形に式を変形しましょう
    （ヒント: x < 0 では 1 / (1 + exp(-x)) = exp(x) / (1 + exp(x))。
    np.logaddexp も参考になります）。
    """
    raise NotImplementedError("sigmoid: not implemented yet (未実装)")


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU (rectified linear unit), elementwise.

    Parameters
    ----------
    x : ndarray, any shape
        Input.

    Returns
    -------
    ndarray, same shape as x
        max(0, x) for every element.

    Pitfalls / 注意
    ---------------
    np.max(0, x) is a reduction (the second argument is an axis), not the
    elementwise maximum you want.  Do not change x itself.

    ReLU 関数（要素ごと）
    ---------------------
    入力 x : 任意の形状の ndarray
    出力   : x と同じ形状の ndarray。各要素は max(0, x)。
    注意: np.max(0, x) は「最大値を求める集約」で、2 番目の引数は axis と
    解釈されます。要素ごとの最大値を求める関数は別にあります。
    また、入力 x そのものを書き換えないでください。
    """
    raise NotImplementedError("relu: not implemented yet (未実装)")


def identity_function(x: np.ndarray) -> np.ndarray:
    """Identity function, used as the output activation for regression.

    Parameters
    ----------
    x : ndarray, any shape
        Input.

    Returns
    -------
    ndarray, same shape as x
        x unchanged.

    恒等関数（回帰問題の出力層で使う活性化関数）
    -------------------------------------------
    入力 x : 任意の形状の ndarray
    出力   : x をそのまま返します。
    """
    raise NotImplementedError("identity_function: not implemented yet (未実装)")


def forward(network: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Forward pass of a three-layer network.

    Parameters
    ----------
    network : dict of ndarray
        W1 (D, H1), b1 (H1,), W2 (H1, H2), b2 (H2,), W3 (H2, K), b3 (K,).
    x : ndarray of float, shape (D,) or a batch (N, D)
        Input data.

    Returns
    -------
    ndarray of float, shape (K,) or (N, K)
        Output y:
            z1 = sigmoid(x  @ W1 + b1)
            z2 = sigmoid(z1 @ W2 + b2)
            y  = identity_function(z2 @ W3 + b3)

    Pitfalls / 注意
    ---------------
    The output layer uses the identity function, not sigmoid.  Write it with
    matrix products (np.dot or @) so that the same code works for (D,) and
    (N, D) without a loop over the samples.

    3 層ネットワークの順伝播
    ------------------------
    入力 network : W1 (D, H1), b1 (H1,), W2 (H1, H2), b2 (H2,),
                   W3 (H2, K), b3 (K,) を持つ辞書
    入力 x       : 形状 (D,) のデータ 1 件、または (N, D) のミニバッチ
    出力 y       : 形状 (K,) または (N, K)
                   z1 = sigmoid(x  @ W1 + b1)
                   z2 = sigmoid(z1 @ W2 + b2)
                   y  = identity_function(z2 @ W3 + b3)
    注意: 出力層の活性化関数は恒等関数です（sigmoid ではありません）。
    行列の積（np.dot または @）で書けば、(D,) でも (N, D) でも同じコードで
    動きます。データ 1 件ずつの for ループは不要です。
    """
    raise NotImplementedError("forward: not implemented yet (未実装)")
