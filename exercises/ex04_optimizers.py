"""Exercise 4: optimizers (parameter update rules).

Implement five optimizers as classes with ``update(self, params, grads)``
(Deep Learning from Scratch, chapter 6.1).  ``params`` and ``grads`` are dicts
of ndarrays with the same keys (e.g. "W1", "b1").  ``update`` changes every
``params[key]`` in place and keeps its own state (velocity, squared-gradient
cache, step count) between calls; the state is created on the first call,
when the shapes of the parameters become known.  The small constant is 1e-7.

    SGD       p -= lr * g
    Momentum  v = momentum * v - lr * g;  p += v
    AdaGrad   h += g * g;  p -= lr * g / (sqrt(h) + 1e-7)
    RMSprop   h = decay_rate * h + (1 - decay_rate) * g * g;
              p -= lr * g / (sqrt(h) + 1e-7)
    Adam      m, v with bias correction

Grade it with:   grade exercise 4
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.

課題 4：最適化手法（パラメータの更新）

5 つの最適化手法を、``update(self, params, grads)`` メソッドを持つクラスとして
実装します（『ゼロから作る Deep Learning』6.1 節）。params と grads は同じキー
（"W1", "b1" など）を持つ ndarray の辞書です。update は params[key] を
その場で（in-place で）書き換え、速度や勾配の二乗和、ステップ数などの内部状態を
呼び出しをまたいで保持します。内部状態は、パラメータの形状がわかる最初の呼び出し
のときに作ります。ゼロ除算を防ぐ微小な値は 1e-7 です。

採点コマンド:    grade exercise 4
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Stochastic gradient descent.

    Parameters
    ----------
    lr : float
        Learning rate.

    update(params, grads)
        For every key: params[key] -= lr * grads[key], in place.

    Pitfalls / 注意
    ---------------
    ``params[key] = params[key] - lr * g`` builds a new array and rebinds the
    dict entry; a layer that still holds the old array never sees the update.
    Update the array itself (augmented assignment on the array).

    確率的勾配降下法 (SGD)
    ----------------------
    引数 lr : 学習率
    update(params, grads): すべてのキーについて
        params[key] -= lr * grads[key] を in-place で行います。
    注意: ``params[key] = params[key] - lr * g`` と書くと新しい配列が作られ、
    辞書の中身が差し替わるだけです。古い配列を持っている層には更新が
    反映されません。配列そのものを書き換えましょう。
    """

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (see the class docstring).

        パラメータを in-place で更新します（クラスの説明を参照）。
        """
        raise NotImplementedError("SGD.update: not implemented yet (未実装)")


class Momentum:
    """SGD with momentum.

    Parameters
    ----------
    lr : float
        Learning rate.
    momentum : float
        Momentum coefficient (how much of the previous velocity is kept).

    update(params, grads)
        For every key, with a velocity v that starts at zeros:
            v = momentum * v - lr * g
            p += v

    Pitfalls / 注意
    ---------------
    v must survive between calls: create it once (self.v is None on the first
    call), one array per key with its parameter's shape, never per call.

    モーメンタム (Momentum)
    -----------------------
    引数 lr       : 学習率
    引数 momentum : モーメンタム係数（前回の速度をどれだけ残すか）
    update(params, grads): 各キーについて、速度 v（初期値は 0）を使って
        v = momentum * v - lr * g
        p += v
    注意: v は呼び出しをまたいで保持します。最初の呼び出し（self.v が None
    のとき）に、キーごとにパラメータと同じ形状で 1 回だけ作りましょう。
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (see the class docstring).

        パラメータを in-place で更新します（クラスの説明を参照）。
        """
        raise NotImplementedError("Momentum.update: not implemented yet (未実装)")


class AdaGrad:
    """AdaGrad: a per-element learning rate that decays with the gradients seen.

    Parameters
    ----------
    lr : float
        Learning rate.

    update(params, grads)
        For every key, with h that starts at zeros:
            h += g * g
            p -= lr * g / (sqrt(h) + 1e-7)

    Pitfalls / 注意
    ---------------
    h accumulates over all calls, so keep it between calls.  The 1e-7 goes
    outside the square root and guards against division by zero.

    AdaGrad（要素ごとの学習率を、これまでの勾配の大きさに応じて小さくする）
    --------------------------------------------------------------------
    引数 lr : 学習率
    update(params, grads): 各キーについて、h（初期値は 0）を使って
        h += g * g
        p -= lr * g / (sqrt(h) + 1e-7)
    注意: h はすべての呼び出しにわたって累積するので、呼び出しをまたいで
    保持します。1e-7 は平方根の外に足し、ゼロ除算を防ぎます。
    """

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr
        self.h = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (see the class docstring).

        パラメータを in-place で更新します（クラスの説明を参照）。
        """
        raise NotImplementedError("AdaGrad.update: not implemented yet (未実装)")


class RMSprop:
    """RMSprop: AdaGrad with an exponential moving average of g * g.

    Parameters
    ----------
    lr : float
        Learning rate.
    decay_rate : float
        How much of the previous average is kept.

    update(params, grads)
        For every key, with h that starts at zeros:
            h = decay_rate * h + (1 - decay_rate) * g * g
            p -= lr * g / (sqrt(h) + 1e-7)

    Pitfalls / 注意
    ---------------
    Unlike AdaGrad, old gradients are forgotten gradually: h is a moving
    average, not a sum.  Keep h between calls.

    RMSprop（g * g の指数移動平均を使う AdaGrad の改良版）
    ------------------------------------------------------
    引数 lr         : 学習率
    引数 decay_rate : 前回までの平均をどれだけ残すか
    update(params, grads): 各キーについて、h（初期値は 0）を使って
        h = decay_rate * h + (1 - decay_rate) * g * g
        p -= lr * g / (sqrt(h) + 1e-7)
    注意: AdaGrad と違い、h は和ではなく移動平均で、古い勾配は少しずつ
    忘れられます。h は呼び出しをまたいで保持します。
    """

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (see the class docstring).

        パラメータを in-place で更新します（クラスの説明を参照）。
        """
        raise NotImplementedError("RMSprop.update: not implemented yet (未実装)")


class Adam:
    """Adam: momentum and RMSprop combined, with bias correction.

    Parameters
    ----------
    lr : float
        Learning rate.
    beta1 : float
        Decay rate of the first moment m (mean of g).
    beta2 : float
        Decay rate of the second moment v (mean of g * g).

    update(params, grads)
        t is the step count (1 on the first call); m and v start at zeros:
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            m_hat = m / (1 - beta1 ** t),  v_hat = v / (1 - beta2 ** t)
            p -= lr * m_hat / (sqrt(v_hat) + 1e-7)
        The folded form lr_t = lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t),
        p -= lr_t * m / (sqrt(v) + 1e-7), as in the book, is also accepted.

    Pitfalls / 注意
    ---------------
    Increase t once per update call, not once per key.  Without the bias
    correction the first steps are far too small, because m and v start at 0.

    Adam（モーメンタムと RMSprop を組み合わせ、バイアス補正を加えた手法）
    ----------------------------------------------------------------------
    引数 lr    : 学習率
    引数 beta1 : 1 次モーメント m（g の平均）の減衰率
    引数 beta2 : 2 次モーメント v（g * g の平均）の減衰率
    update(params, grads): t はステップ数（最初の呼び出しで 1）。
    m と v の初期値は 0 です。
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t),  v_hat = v / (1 - beta2 ** t)
        p -= lr * m_hat / (sqrt(v_hat) + 1e-7)
    書籍のように学習率にまとめた形
    lr_t = lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t),
    p -= lr_t * m / (sqrt(v) + 1e-7) でも正解です。
    注意: t を増やすのは update の呼び出し 1 回につき 1 回です（キーごとに
    増やさないこと）。m と v は 0 から始まるので、バイアス補正がないと
    最初のうちの更新量が小さくなりすぎます。
    """

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999
    ) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (see the class docstring).

        パラメータを in-place で更新します（クラスの説明を参照）。
        """
        raise NotImplementedError("Adam.update: not implemented yet (未実装)")
