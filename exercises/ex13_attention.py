"""Exercise 13: attention and a Transformer encoder block.

Build the pieces of the Transformer encoder of "Attention Is All You Need"
(Vaswani et al., 2017) in NumPy, in the style of "Deep Learning from Scratch
2": a layer keeps its parameters in ``self.params`` and their gradients in
``self.grads`` (arrays of the same shapes, overwritten in place on each
``backward`` with ``grads[i][...] = ...``, so that an optimizer holding the
list sees the new values).  Sequences are ``(N, T, D)``.

    scaled_dot_product_attention(Q, K, V, mask)   softmax(Q K^T / sqrt(dk)) V
    ScaledDotProductAttention                     the same as a layer, with backward
    LayerNorm(gamma, beta, eps)                   normalisation over the last axis
    positional_encoding(T, d_model)               the sinusoidal position table
    MultiHeadAttention(Wq, Wk, Wv, Wo, num_heads) several heads side by side
    TransformerEncoderBlock(params, num_heads)    attention + FFN, post-LN

Grade it with:   grade exercise 13
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files (``from ex07_layers import Relu``).  The reference
implementation and the worked solutions can not be imported while your file
is graded.

課題 13：注意機構（Attention）と Transformer のエンコーダブロック

「Attention Is All You Need」（Vaswani ら, 2017）の Transformer エンコーダの
部品を NumPy で作ります。書き方は『ゼロから作る Deep Learning ❷』に
合わせます。パラメータは self.params に、その勾配は self.grads に
（同じ形状の配列として）保持し、backward のたびに grads[i][...] = ... で
その場で上書きします（最適化手法が持っているリストから新しい値が
見えるようにするためです）。時系列データの形状は (N, T, D) です。

採点コマンド:    grade exercise 13
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル
（``from ex07_layers import Relu`` など）。採点中は参照実装や模範解答は
import できません。
"""

from __future__ import annotations

import numpy as np


def scaled_dot_product_attention(Q, K, V, mask=None):
    """Scaled dot-product attention.

    Parameters
    ----------
    Q : ndarray of float, shape (..., Tq, dk)
        Queries.
    K : ndarray of float, shape (..., Tk, dk)
        Keys (the same leading axes "..." as Q).
    V : ndarray of float, shape (..., Tk, dv)
        Values, one per key.
    mask : ndarray of bool, broadcastable to (..., Tq, Tk), or None
        True = this key is hidden from this query: its weight must be
        exactly 0.  A query always sees at least one key.

    Returns
    -------
    (out, weights)
        weights = softmax(Q @ K^T / sqrt(dk)) over the LAST axis (the keys),
        shape (..., Tq, Tk), each row sums to 1;  out = weights @ V,
        shape (..., Tq, dv).

    Pitfalls / 注意
    ---------------
    Divide the scores by sqrt(dk) before the softmax.  Apply the mask to the
    scores *before* the softmax, with -inf (or a very large negative number),
    not 0.  Subtract each row's maximum before exp(): scores of 1000 must not
    overflow.  K^T means swapping the last two axes only
    (np.swapaxes(K, -1, -2)), not K.T, which reverses every axis.

    Scaled Dot-Product Attention
    ----------------------------
    引数 Q : クエリ、形状 (..., Tq, dk)
    引数 K : キー、形状 (..., Tk, dk)（先頭の軸 "..." は Q と同じ）
    引数 V : バリュー、形状 (..., Tk, dv)（キー 1 つに 1 つ）
    引数 mask : bool の配列（(..., Tq, Tk) にブロードキャストできる形状）か
        None。True は「このクエリからこのキーを隠す」意味で、その重みは
        ちょうど 0 になります。どのクエリも少なくとも 1 つのキーは見えます。
    戻り値 (out, weights):
        weights = softmax(Q @ K^T / sqrt(dk))（最後の軸＝キーの方向で正規化、
        形状 (..., Tq, Tk)、各行の和は 1）、out = weights @ V（形状 (..., Tq, dv)）
    注意: softmax の前にスコアを sqrt(dk) で割ります。マスクは softmax の
    *前*にスコアへ、0 ではなく -inf（または非常に大きな負の数）で
    適用します。exp() の前に各行の最大値を引き、スコアが 1000 でも
    オーバーフローしないようにします。K^T は最後の 2 軸だけの入れ替え
    （np.swapaxes(K, -1, -2)）で、すべての軸を逆にする K.T ではありません。
    """
    raise NotImplementedError(
        "scaled_dot_product_attention: not implemented yet (未実装)"
    )


class ScaledDotProductAttention:
    """Scaled dot-product attention as a layer.

    forward(Q, K, V, mask=None) -> out
        As scaled_dot_product_attention; returns out only, (..., Tq, dv).
        Keep Q, K, V and the weights for backward.
    backward(dout) -> (dQ, dK, dV)
        dout : (..., Tq, dv).  With W the weights and S = Q K^T / sqrt(dk):
            dV = W^T @ dout
            dW = dout @ V^T
            dS = W * (dW - sum(dW * W, last axis, keepdims))   (softmax backward)
            dQ = dS @ K / sqrt(dk),   dK = dS^T @ Q / sqrt(dk)

    Pitfalls / 注意
    ---------------
    The softmax couples a whole row: its backward subtracts the row sum
    sum(dW * W); W * (1 - W) alone is wrong.  The 1/sqrt(dk) of forward
    appears again in dQ and dK.

    Scaled Dot-Product Attention レイヤ
    -----------------------------------
    forward(Q, K, V, mask=None) -> out
        scaled_dot_product_attention と同じ計算で、out（形状 (..., Tq, dv)）
        だけを返します。backward のために Q、K、V と重みを保存します。
    backward(dout) -> (dQ, dK, dV)
        dout : 形状 (..., Tq, dv)。W を重み、S = Q K^T / sqrt(dk) として
            dV = W^T @ dout
            dW = dout @ V^T
            dS = W * (dW - sum(dW * W, 最後の軸, keepdims))（softmax の逆伝播）
            dQ = dS @ K / sqrt(dk)、dK = dS^T @ Q / sqrt(dk)
    注意: softmax は 1 行全体がつながっているので、逆伝播では行ごとの和
    sum(dW * W) を引きます。W * (1 - W) だけでは誤りです。順伝播の
    1/sqrt(dk) は dQ と dK にも現れます。
    """

    def __init__(self) -> None:
        self.cache = None

    def forward(self, Q, K, V, mask=None):
        """Return softmax(Q K^T / sqrt(dk)) V and keep what backward needs.  順伝播。"""
        raise NotImplementedError(
            "ScaledDotProductAttention.forward: not implemented yet (未実装)"
        )

    def backward(self, dout):
        """Return (dQ, dK, dV).  逆伝播。"""
        raise NotImplementedError(
            "ScaledDotProductAttention.backward: not implemented yet (未実装)"
        )


class LayerNorm:
    """Layer normalization over the last axis.

    Parameters
    ----------
    gamma, beta : ndarray of float, shape (D,)
        Scale and shift.
    eps : float
        Added to the variance inside the square root (default 1e-5).  Adding
        it outside, sqrt(var) + eps, is accepted too; backward must then be
        the gradient of that forward.

    forward(x) -> out
        x : (..., D), e.g. (N, D) or a sequence (N, T, D).  For each sample
        (each time step), over its D features (the LAST axis):
            mu  = mean(x),  var = mean((x - mu) ** 2)     (biased: divide by D)
            xn  = (x - mu) / sqrt(var + eps)
            out = gamma * xn + beta
    backward(dout) -> dx
        dxn = gamma * dout
        dx  = (dxn - mean(dxn) - xn * mean(dxn * xn)) / sqrt(var + eps)
              (means over the last axis)
        grads[0][...] = dgamma = sum(dout * xn) over every axis but the last
        grads[1][...] = dbeta  = sum(dout)      over every axis but the last

    Pitfalls / 注意
    ---------------
    Unlike BatchNormalization (exercise 7), the statistics are per sample, over
    the features: axis=-1 with keepdims=True, never axis=0.  The variance is
    the biased one (np.var's default, ddof=0).  Write the gradients into the
    existing arrays of self.grads; do not replace them.

    Layer Normalization
    -------------------
    引数 gamma, beta : 形状 (D,) のスケールとシフト
    引数 eps : 分散に足してから平方根をとる小さな値（既定値 1e-5）。平方根の外に
        足す sqrt(var) + eps も可。その場合 backward はその forward の勾配にします
    forward(x) -> out
        x : 形状 (..., D)。(N, D) や時系列 (N, T, D) など。サンプルごと
        （時刻ごと）に、その D 個の特徴量（最後の軸）について
            mu  = mean(x)、var = mean((x - mu) ** 2)（標本分散: D で割る）
            xn  = (x - mu) / sqrt(var + eps)
            out = gamma * xn + beta
    backward(dout) -> dx
        dxn = gamma * dout
        dx  = (dxn - mean(dxn) - xn * mean(dxn * xn)) / sqrt(var + eps)
              （平均は最後の軸の方向）
        grads[0][...] = dgamma = sum(dout * xn)（最後の軸以外のすべての軸で和）
        grads[1][...] = dbeta  = sum(dout)（同上）
    注意: 課題 7 の BatchNormalization と違い、統計量はサンプルごとに特徴量の
    方向でとります。axis=0 ではなく axis=-1、keepdims=True です。分散は
    D で割る標本分散（np.var の既定、ddof=0）です。勾配は self.grads の
    既存の配列に書き込み、配列を置き換えないでください。
    """

    def __init__(self, gamma, beta, eps=1e-5):
        self.params = [gamma, beta]
        self.grads = [np.zeros_like(gamma), np.zeros_like(beta)]
        self.eps = eps
        self.cache = None

    def forward(self, x):
        """Return gamma * xn + beta, normalised over the last axis.  順伝播。"""
        raise NotImplementedError("LayerNorm.forward: not implemented yet (未実装)")

    def backward(self, dout):
        """Write dgamma, dbeta into self.grads and return dx.  逆伝播。"""
        raise NotImplementedError("LayerNorm.backward: not implemented yet (未実装)")


def positional_encoding(T, d_model):
    """Sinusoidal positional encoding.

    Parameters
    ----------
    T : int
        Number of positions p = 0, 1, ..., T - 1.
    d_model : int
        Width of the encoding (even in the graded cases).

    Returns
    -------
    ndarray of float, shape (T, d_model)
        PE[p, 2i]     = sin(p / 10000 ** (2i / d_model))
        PE[p, 2i + 1] = cos(p / 10000 ** (2i / d_model))
        Columns 2i and 2i + 1 share one frequency; sine on the even columns,
        cosine on the odd ones (interleaved, not one half then the other).

    位置エンコーディング（正弦波）
    ------------------------------
    引数 T : 位置の数（p = 0, 1, ..., T - 1）
    引数 d_model : エンコーディングの幅（採点では偶数）
    戻り値: 形状 (T, d_model) の配列
        PE[p, 2i]     = sin(p / 10000 ** (2i / d_model))
        PE[p, 2i + 1] = cos(p / 10000 ** (2i / d_model))
        列 2i と 2i + 1 は同じ周波数です。偶数列が sin、奇数列が cos で、
        交互に並びます（前半 sin・後半 cos ではありません）。
    """
    raise NotImplementedError("positional_encoding: not implemented yet (未実装)")


class MultiHeadAttention:
    """Multi-head attention without biases.

    Parameters
    ----------
    Wq, Wk, Wv, Wo : ndarray of float, shape (d_model, d_model)
        Projections of the queries, keys, values and of the output.
    num_heads : int
        Number of heads h; dh = d_model // h.

    forward(q, k, v, mask=None) -> out
        q : (N, Tq, d_model);  k, v : (N, Tk, d_model) (the same array as q for
        self-attention).  mask : bool, (Tq, Tk) or None, the same for every head.
            Q = q @ Wq,  K = k @ Wk,  V = v @ Wv
            split each into h heads: head j takes the consecutive columns
            j*dh ... (j+1)*dh - 1, i.e. reshape (N, T, h, dh), then
            transpose to (N, h, T, dh)
            each head: scaled dot-product attention (scaled by 1/sqrt(dh))
            concatenate the heads back to (N, Tq, d_model) in order
            out = concat @ Wo
    backward(dout) -> (dq, dk, dv)
        dout : (N, Tq, d_model).  Returns the three input gradients (for
        self-attention the caller adds them) and writes
        grads[0..3][...] = dWq, dWk, dWv, dWo, each summed over N and T.

    Pitfalls / 注意
    ---------------
    reshape (N, T, dh, h) would interleave the heads: a head must own a
    block of consecutive columns.  Merge with the inverse transpose before the
    reshape.  dW = x^T @ dX needs x and dX flattened to (N * T, d_model).

    Multi-Head Attention（バイアスなし）
    -----------------------------------
    引数 Wq, Wk, Wv, Wo : 形状 (d_model, d_model)。クエリ・キー・バリュー・
        出力の射影
    引数 num_heads : ヘッド数 h。dh = d_model // h
    forward(q, k, v, mask=None) -> out
        q : (N, Tq, d_model)、k, v : (N, Tk, d_model)（自己注意では q と同じ
        配列）。mask : bool の (Tq, Tk) か None（全ヘッド共通）
            Q = q @ Wq、K = k @ Wk、V = v @ Wv
            それぞれを h 個のヘッドに分けます。ヘッド j は連続した列
            j*dh ... (j+1)*dh - 1 を受け持ちます（reshape (N, T, h, dh) のあと
            (N, h, T, dh) に transpose）
            各ヘッドで scaled dot-product attention（1/sqrt(dh) でスケール）
            ヘッドを順番どおりに (N, Tq, d_model) へ連結し、out = concat @ Wo
    backward(dout) -> (dq, dk, dv)
        dout : (N, Tq, d_model)。3 つの入力の勾配を返し（自己注意では
        呼び出し側が足します）、grads[0..3][...] = dWq, dWk, dWv, dWo
        （N と T について和）を書き込みます。
    注意: reshape (N, T, dh, h) ではヘッドが列を 1 つおきに取ってしまいます。
    各ヘッドは連続した列のかたまりを受け持ちます。連結するときは逆の
    transpose をしてから reshape します。dW = x^T @ dX では x と dX を
    (N * T, d_model) に平らにします。
    """

    def __init__(self, Wq, Wk, Wv, Wo, num_heads):
        self.params = [Wq, Wk, Wv, Wo]
        self.grads = [np.zeros_like(W) for W in self.params]
        self.num_heads = num_heads
        self.cache = None

    def forward(self, q, k, v, mask=None):
        """Return the attention of q over k and v, (N, Tq, d_model).  順伝播。"""
        raise NotImplementedError(
            "MultiHeadAttention.forward: not implemented yet (未実装)"
        )

    def backward(self, dout):
        """Write dWq, dWk, dWv, dWo into self.grads; return (dq, dk, dv).  逆伝播。"""
        raise NotImplementedError(
            "MultiHeadAttention.backward: not implemented yet (未実装)"
        )


class TransformerEncoderBlock:
    """One Transformer encoder block, post-LN as in the original paper.

    Parameters
    ----------
    params : dict of ndarray
        Wq, Wk, Wv, Wo (d_model, d_model);  W1 (d_model, d_ff), b1 (d_ff,);
        W2 (d_ff, d_model), b2 (d_model,);  gamma1, beta1, gamma2, beta2
        (d_model,).
    num_heads : int
        Heads of the self-attention.

    forward(x, mask=None) -> out
        x : (N, T, d_model);  mask : bool (T, T) or None.
            x1  = LayerNorm1(x + MultiHeadAttention(x, x, x, mask))
            out = LayerNorm2(x1 + FFN(x1)),  FFN(h) = relu(h @ W1 + b1) @ W2 + b2
        LayerNorm1 uses gamma1, beta1 and LayerNorm2 gamma2, beta2 (eps 1e-5).
    backward(dout) -> dx
        Writes the gradient of every parameter into self.grads[key][...]
        (the same 12 keys).  x reaches the output along four paths: the
        residual connection and the three inputs q, k, v of the attention.

    Pitfalls / 注意
    ---------------
    Post-LN: the LayerNorm comes *after* the residual addition,
    LN(x + sublayer(x)), not x + sublayer(LN(x)) (pre-LN).  Do not forget the
    residual connections, in forward and in backward.

    Transformer エンコーダブロック（元論文どおりの Post-LN）
    --------------------------------------------------------
    引数 params : 配列の dict。Wq, Wk, Wv, Wo (d_model, d_model)、
        W1 (d_model, d_ff), b1 (d_ff,)、W2 (d_ff, d_model), b2 (d_model,)、
        gamma1, beta1, gamma2, beta2 (d_model,)
    引数 num_heads : 自己注意のヘッド数
    forward(x, mask=None) -> out
        x : (N, T, d_model)、mask : bool の (T, T) か None
            x1  = LayerNorm1(x + MultiHeadAttention(x, x, x, mask))
            out = LayerNorm2(x1 + FFN(x1))、FFN(h) = relu(h @ W1 + b1) @ W2 + b2
        LayerNorm1 は gamma1, beta1、LayerNorm2 は gamma2, beta2 を使います
        （eps は 1e-5）。
    backward(dout) -> dx
        すべてのパラメータの勾配を self.grads[key][...] に書き込みます（同じ
        12 個のキー）。x から出力への経路は 4 本あります。残差接続と、
        注意機構の 3 つの入力 q, k, v です。
    注意: Post-LN では LayerNorm は残差の足し算の*後*です。
    LN(x + sublayer(x)) であって、x + sublayer(LN(x))（Pre-LN）ではありません。
    順伝播でも逆伝播でも残差接続を忘れないでください。
    """

    def __init__(self, params, num_heads):
        self.params = params
        self.grads = {key: np.zeros_like(value) for key, value in params.items()}
        self.num_heads = num_heads
        self.cache = None

    def forward(self, x, mask=None):
        """Return LayerNorm2(x1 + FFN(x1)), x1 = LayerNorm1(x + MHA(x)).  順伝播。"""
        raise NotImplementedError(
            "TransformerEncoderBlock.forward: not implemented yet (未実装)"
        )

    def backward(self, dout):
        """Write every parameter's gradient into self.grads; return dx.  逆伝播。"""
        raise NotImplementedError(
            "TransformerEncoderBlock.backward: not implemented yet (未実装)"
        )
