"""Exercise 7: layers with forward and backward.

Implement the layers of a neural network as classes with ``forward`` and
``backward`` methods (Deep Learning from Scratch, chapters 5.5-5.6 and 6.3-6.4).
``forward`` saves what ``backward`` will need; ``backward(dout)`` receives the
gradient of the loss with respect to the layer's output and returns the
gradient with respect to its input (and stores parameter gradients such as
``self.dW``).

    Relu, Sigmoid              activation layers
    Affine(W, b)               x @ W + b
    SoftmaxWithLoss            softmax + cross-entropy error (batch mean)
    Dropout(dropout_ratio)     randomly drops neurons while training
    BatchNormalization(...)    normalises each feature over the mini-batch

Grade it with:   grade exercise 7
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files; SoftmaxWithLoss may reuse exercise 2 with
``from ex02_softmax_loss import softmax, cross_entropy_error``.  The
reference implementation and the worked solutions can not be imported while
your file is graded.

課題 7：順伝播と逆伝播を持つレイヤ

ニューラルネットワークの各レイヤを、forward と backward のメソッドを持つクラス
として実装します（『ゼロから作る Deep Learning』5.5〜5.6 節・6.3〜6.4 節）。
forward では逆伝播に必要な値を保存しておきます。backward(dout) は、
レイヤの出力についての損失の勾配 dout を受け取り、入力についての勾配を
返します（self.dW などのパラメータの勾配も保存します）。

採点コマンド:    grade exercise 7
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
SoftmaxWithLoss では課題 2 の関数を
``from ex02_softmax_loss import softmax, cross_entropy_error`` のように
再利用できます。採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


class Relu:
    """ReLU layer.

    forward(x) -> out
        x : ndarray of float, any shape.  out = max(0, x), same shape.
    backward(dout) -> dx
        dout : ndarray, same shape as out.  dx = dout where x > 0, else 0.

    Pitfalls / 注意
    ---------------
    Save which elements were <= 0 in forward (e.g. a boolean self.mask);
    backward uses it.  Do not modify x or dout in place: copy first.

    ReLU レイヤ
    -----------
    forward(x) -> out
        x : 任意の形状の ndarray。out = max(0, x)（同じ形状）
    backward(dout) -> dx
        dout : out と同じ形状。x > 0 のところは dx = dout、それ以外は 0
    注意: forward で、どの要素が 0 以下だったか（例: bool の self.mask）を
    保存しておき、backward で使います。x や dout を直接書き換えず、
    コピーしてから変更しましょう。
    """

    def __init__(self) -> None:
        self.mask = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return max(0, x) and remember where x <= 0.  順伝播。"""
        raise NotImplementedError("Relu.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dout with the entries where x <= 0 set to 0.  逆伝播。"""
        raise NotImplementedError("Relu.backward: not implemented yet (未実装)")


class Sigmoid:
    """Sigmoid layer.

    forward(x) -> out
        x : ndarray of float, any shape.  out = 1 / (1 + exp(-x)).
    backward(dout) -> dx
        dx = dout * out * (1 - out).

    Pitfalls / 注意
    ---------------
    Keep the forward output (self.out): the derivative is written in terms
    of the output, not the input.  Avoid overflow for large negative x, as
    in exercise 1.

    Sigmoid レイヤ
    --------------
    forward(x) -> out
        x : 任意の形状の ndarray。out = 1 / (1 + exp(-x))
    backward(dout) -> dx
        dx = dout * out * (1 - out)
    注意: 微分は入力ではなく出力で表せるので、順伝播の出力（self.out）を
    保存しておきます。課題 1 と同じく、大きな負の x でのオーバーフローに
    気をつけましょう。
    """

    def __init__(self) -> None:
        self.out = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return sigmoid(x) and remember it.  順伝播。"""
        raise NotImplementedError("Sigmoid.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dout * out * (1 - out).  逆伝播。"""
        raise NotImplementedError("Sigmoid.backward: not implemented yet (未実装)")


class Affine:
    """Affine (fully connected) layer: out = x @ W + b.

    Parameters
    ----------
    W : ndarray of float, shape (D, M)
        Weights.
    b : ndarray of float, shape (M,)
        Bias.

    forward(x) -> out
        x : ndarray of float, shape (N, D) or (N, ...) such as images
        (N, C, H, W), flattened to (N, D) first.  out : (N, M).
    backward(dout) -> dx
        dout : (N, M).  Sets self.dW = x.T @ dout (D, M) and
        self.db = sum of dout over the batch axis (M,); returns
        dx = dout @ W.T reshaped back to the original shape of x.

    Pitfalls / 注意
    ---------------
    db is a sum over the batch axis (axis=0), not a mean and not a total over
    all elements.  Remember x's original shape in forward so that dx can be
    given that shape back.

    Affine レイヤ（全結合層）: out = x @ W + b
    -----------------------------------------
    引数 W : 重み、形状 (D, M)
    引数 b : バイアス、形状 (M,)
    forward(x) -> out
        x : 形状 (N, D)、または画像 (N, C, H, W) のような (N, ...)。
        (N, ...) の場合は先に (N, D) に平らにします。out の形状は (N, M)
    backward(dout) -> dx
        dout : 形状 (N, M)。self.dW = x.T @ dout（形状 (D, M)）と
        self.db = dout のバッチ方向の和（形状 (M,)）を保存し、
        dx = dout @ W.T を元の x の形状に戻して返します。
    注意: db はバッチ方向（axis=0）の和です。平均でも、全要素の合計でも
    ありません。dx を元の形状に戻せるよう、forward で x の形状を
    覚えておきましょう。
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return x.reshape(N, -1) @ W + b.  順伝播。"""
        raise NotImplementedError("Affine.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dW, self.db and return dx of x's shape.  逆伝播。"""
        raise NotImplementedError("Affine.backward: not implemented yet (未実装)")


class SoftmaxWithLoss:
    """Softmax output layer combined with the cross-entropy error.

    forward(x, t) -> loss
        x : ndarray of float, shape (N, K), scores.
        t : teacher data, one-hot (N, K) or integer labels (N,).
        Returns the batch-mean cross-entropy of softmax(x) (a float).
    backward(dout=1) -> dx
        dx = dout * (y - onehot(t)) / N, shape of x, with y = softmax(x).

    Pitfalls / 注意
    ---------------
    Divide by the batch size N in backward, because the loss is a mean.
    Handle both forms of t (one-hot and labels).  The loss functions of
    exercise 2 take (d, y): teacher data first.

    Softmax-with-Loss レイヤ（ソフトマックス関数と交差エントロピー誤差）
    ----------------------------------------------------------------
    forward(x, t) -> loss
        x : 形状 (N, K) のスコア
        t : 教師データ。one-hot (N, K) または整数ラベル (N,)
        softmax(x) の交差エントロピー誤差のミニバッチの平均（float）を返します。
    backward(dout=1) -> dx
        dx = dout * (y - onehot(t)) / N（x と同じ形状）。y = softmax(x)
    注意: 損失は平均なので、backward ではバッチサイズ N で割ります。
    t が one-hot でもラベルでも動くようにしましょう。課題 2 の損失関数の
    引数は (d, y) の順（教師データが先）です。
    """

    def __init__(self) -> None:
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """Return the batch-mean cross-entropy of softmax(x).  順伝播。"""
        raise NotImplementedError(
            "SoftmaxWithLoss.forward: not implemented yet (未実装)"
        )

    def backward(self, dout: float = 1) -> np.ndarray:
        """Return dout * (y - onehot(t)) / N.  逆伝播。"""
        raise NotImplementedError(
            "SoftmaxWithLoss.backward: not implemented yet (未実装)"
        )


class Dropout:
    """Dropout layer.

    Parameters
    ----------
    dropout_ratio : float
        Probability of dropping (zeroing) each neuron while training.

    forward(x, train_flg=True) -> out
        Training: draw a random mask of x's shape that keeps each element
        with probability 1 - dropout_ratio; out = x * mask.
        Testing (train_flg=False): no mask; out = x * (1 - dropout_ratio).
        (The "inverted dropout" convention, out = x * mask / (1 - ratio) in
        training and out = x at test time, is also accepted.)
    backward(dout) -> dx
        dx = dout * mask (with the inverted convention, divided by
        1 - dropout_ratio as in forward).

    Pitfalls / 注意
    ---------------
    backward must use the very mask drawn in the last training forward:
    store it, never draw a new one in backward.  At test time nothing is
    dropped.

    Dropout レイヤ
    --------------
    引数 dropout_ratio : 学習時に各ニューロンを消去する（0 にする）確率
    forward(x, train_flg=True) -> out
        学習時: 確率 1 - dropout_ratio で要素を残すランダムなマスクを
        x と同じ形状で作り、out = x * mask
        テスト時（train_flg=False）: マスクなしで out = x * (1 - dropout_ratio)
        （学習時に out = x * mask / (1 - dropout_ratio)、テスト時に out = x
        とする inverted dropout の書き方でも正解です。）
    backward(dout) -> dx
        dx = dout * mask（inverted dropout の場合は forward と同じく
        1 - dropout_ratio で割ります）
    注意: backward では、直前の学習時の forward で作ったマスクをそのまま
    使います。保存しておき、backward で作り直さないでください。
    テスト時には何も消去しません。
    """

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Drop random neurons (training) or scale (testing).  順伝播。"""
        raise NotImplementedError("Dropout.forward: not implemented yet (未実装)")

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Pass dout through the mask of the last forward.  逆伝播。"""
        raise NotImplementedError("Dropout.backward: not implemented yet (未実装)")


class BatchNormalization:
    """Batch normalization layer for (N, D) input.

    Parameters
    ----------
    gamma : ndarray of float, shape (D,)
        Scale.
    beta : ndarray of float, shape (D,)
        Shift.
    momentum : float
        Weight of the old value in the running averages.
    running_mean, running_var : ndarray of float, shape (D,), or None
        Running statistics for testing; None means zeros, created on the
        first forward.

    forward(x, train_flg=True) -> out
        Training, per feature over the batch axis:
            mu  = mean(x),  var = mean((x - mu) ** 2)
            xn  = (x - mu) / sqrt(var + eps)       (eps: a small constant, e.g. 1e-7)
            out = gamma * xn + beta
            running_mean = momentum * running_mean + (1 - momentum) * mu
            running_var  = momentum * running_var  + (1 - momentum) * var
        Testing (train_flg=False): the same with running_mean, running_var
        instead of mu, var, and the running statistics left unchanged.
    backward(dout) -> dx
        Sets self.dgamma = sum(dout * xn) and self.dbeta = sum(dout), both
        over the batch axis, shape (D,); returns dx, shape (N, D).

    Pitfalls / 注意
    ---------------
    dx is not just dout * gamma / sqrt(var + eps): mu and var depend on
    every x in the batch, so the gradient also flows through them.  Work
    through the computational graph node by node, and check the result with
    a numerical gradient.  Use the batch statistics in training and the
    running ones at test time.

    Batch Normalization レイヤ（入力は (N, D)）
    -------------------------------------------
    引数 gamma    : スケール、形状 (D,)
    引数 beta     : シフト、形状 (D,)
    引数 momentum : 移動平均で古い値に掛ける重み
    引数 running_mean, running_var : テスト時に使う平均と分散の移動平均、
                   形状 (D,)。None なら最初の forward で 0 の配列を作ります。
    forward(x, train_flg=True) -> out
        学習時（特徴量ごとに、バッチ方向に計算）:
            mu  = mean(x),  var = mean((x - mu) ** 2)
            xn  = (x - mu) / sqrt(var + eps)       （eps は 1e-7 などの微小な定数）
            out = gamma * xn + beta
            running_mean = momentum * running_mean + (1 - momentum) * mu
            running_var  = momentum * running_var  + (1 - momentum) * var
        テスト時（train_flg=False）: mu, var の代わりに running_mean,
        running_var を使います。移動平均は更新しません。
    backward(dout) -> dx
        self.dgamma = sum(dout * xn) と self.dbeta = sum(dout)
        （どちらもバッチ方向の和、形状 (D,)）を保存し、dx (N, D) を返します。
    注意: dx は dout * gamma / sqrt(var + eps) だけではありません。mu と var は
    ミニバッチのすべての x に依存するので、勾配はそれらを経由しても流れます。
    計算グラフをノードごとにたどって求め、数値微分で確かめましょう。
    学習時はバッチの統計量、テスト時は移動平均を使います。
    """

    def __init__(
        self,
        gamma: np.ndarray,
        beta: np.ndarray,
        momentum: float = 0.9,
        running_mean: np.ndarray | None = None,
        running_var: np.ndarray | None = None,
    ) -> None:
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.dgamma = None
        self.dbeta = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Normalise x with batch or running statistics.  順伝播。"""
        raise NotImplementedError(
            "BatchNormalization.forward: not implemented yet (未実装)"
        )

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dgamma, self.dbeta and return dx.  逆伝播。"""
        raise NotImplementedError(
            "BatchNormalization.backward: not implemented yet (未実装)"
        )
