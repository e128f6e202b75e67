"""Worked solution, exercise 13: attention and a Transformer encoder block.

模範解答 課題 13：注意機構（Attention）と Transformer のエンコーダブロック
"""

from __future__ import annotations

import numpy as np


def softmax_last_axis(x):
    """Softmax over the last axis, stable for large scores."""
    # subtracting the row maximum cancels in the ratio and keeps exp() <= 1;
    # a row's -inf entries (hidden keys) become exactly 0
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def scaled_dot_product_attention(Q, K, V, mask=None):
    """Return (weights @ V, weights), weights = softmax(Q K^T / sqrt(dk))."""
    dk = Q.shape[-1]
    # swap only the last two axes: K.T would also reverse the batch axes
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(dk)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)  # hidden before the softmax
    weights = softmax_last_axis(scores)
    return weights @ V, weights


class ScaledDotProductAttention:
    """out = softmax(Q K^T / sqrt(dk)) V, with backward."""

    def __init__(self) -> None:
        self.cache = None

    def forward(self, Q, K, V, mask=None):
        """Return the attention output; keep Q, K, V and the weights."""
        out, weights = scaled_dot_product_attention(Q, K, V, mask)
        self.cache = (Q, K, V, weights)
        return out

    def backward(self, dout):
        """Return (dQ, dK, dV)."""
        Q, K, V, weights = self.cache
        scale = 1.0 / np.sqrt(Q.shape[-1])
        dV = np.swapaxes(weights, -1, -2) @ dout
        dweights = dout @ np.swapaxes(V, -1, -2)
        # softmax backward, row by row: y * (dy - sum(dy * y)); hidden keys have
        # weight 0, so their gradient is 0 without looking at the mask again
        dscores = weights * (
            dweights - np.sum(dweights * weights, axis=-1, keepdims=True)
        )
        dscores = dscores * scale
        dQ = dscores @ K
        dK = np.swapaxes(dscores, -1, -2) @ Q
        return dQ, dK, dV


class LayerNorm:
    """Layer normalization over the last axis."""

    def __init__(self, gamma, beta, eps=1e-5):
        self.params = [gamma, beta]
        self.grads = [np.zeros_like(gamma), np.zeros_like(beta)]
        self.eps = eps
        self.cache = None

    def forward(self, x):
        """Return gamma * xn + beta, xn normalised per sample over the features."""
        gamma, beta = self.params
        mu = x.mean(axis=-1, keepdims=True)
        xc = x - mu
        var = np.mean(xc**2, axis=-1, keepdims=True)  # biased: divided by D
        std = np.sqrt(var + self.eps)
        xn = xc / std
        self.cache = (xn, std)
        return gamma * xn + beta

    def backward(self, dout):
        """Write dgamma and dbeta into self.grads; return dx."""
        gamma = self.params[0]
        xn, std = self.cache
        # gamma and beta act on every sample and time step: sum all axes but the last
        axes = tuple(range(dout.ndim - 1))
        self.grads[0][...] = np.sum(dout * xn, axis=axes)
        self.grads[1][...] = np.sum(dout, axis=axes)
        dxn = dout * gamma
        # the paths through mu and var, collapsed (as BatchNormalization, on axis -1)
        dx = dxn - dxn.mean(axis=-1, keepdims=True)
        dx -= xn * np.mean(dxn * xn, axis=-1, keepdims=True)
        return dx / std


def positional_encoding(T, d_model):
    """Return the (T, d_model) sinusoidal encoding, sine and cosine interleaved."""
    pe = np.zeros((T, d_model))
    position = np.arange(T)[:, np.newaxis]
    two_i = np.arange(0, d_model, 2)  # 0, 2, 4, ...: the even columns
    angle = position / 10000 ** (two_i / d_model)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])  # odd d_model: one cosine fewer
    return pe


class MultiHeadAttention:
    """Multi-head attention without biases; heads are consecutive column blocks."""

    def __init__(self, Wq, Wk, Wv, Wo, num_heads):
        self.params = [Wq, Wk, Wv, Wo]
        self.grads = [np.zeros_like(W) for W in self.params]
        self.num_heads = num_heads
        self.attention = ScaledDotProductAttention()
        self.cache = None

    def split_heads(self, x):
        """(N, T, d_model) -> (N, h, T, dh); head j owns columns j*dh .. (j+1)*dh-1."""
        N, T, d_model = x.shape
        dh = d_model // self.num_heads
        return x.reshape(N, T, self.num_heads, dh).transpose(0, 2, 1, 3)

    def merge_heads(self, x):
        """(N, h, T, dh) -> (N, T, h * dh), the inverse of split_heads."""
        N, h, T, dh = x.shape
        return x.transpose(0, 2, 1, 3).reshape(N, T, h * dh)

    def forward(self, q, k, v, mask=None):
        """Return concat(heads) @ Wo, shape (N, Tq, d_model)."""
        Wq, Wk, Wv, Wo = self.params
        Qh = self.split_heads(q @ Wq)
        Kh = self.split_heads(k @ Wk)
        Vh = self.split_heads(v @ Wv)
        # a (Tq, Tk) mask broadcasts over N and the heads as it is
        concat = self.merge_heads(self.attention.forward(Qh, Kh, Vh, mask))
        self.cache = (q, k, v, concat)
        return concat @ Wo

    def backward(self, dout):
        """Write dWq, dWk, dWv, dWo into self.grads; return (dq, dk, dv)."""
        Wq, Wk, Wv, Wo = self.params
        q, k, v, concat = self.cache
        d_model = Wo.shape[0]
        # every sample and time step used the same W: flatten them and sum
        self.grads[3][...] = concat.reshape(-1, d_model).T @ dout.reshape(-1, d_model)
        dQh, dKh, dVh = self.attention.backward(self.split_heads(dout @ Wo.T))
        dxs = []
        inputs = zip((q, k, v), (Wq, Wk, Wv), (dQh, dKh, dVh), strict=True)
        for i, (x, W, dh) in enumerate(inputs):
            dX = self.merge_heads(dh)
            self.grads[i][...] = x.reshape(-1, d_model).T @ dX.reshape(-1, d_model)
            dxs.append(dX @ W.T)
        return tuple(dxs)


class TransformerEncoderBlock:
    """Post-LN encoder block: x1 = LN1(x + MHA(x)), out = LN2(x1 + FFN(x1))."""

    def __init__(self, params, num_heads):
        self.params = params
        self.grads = {key: np.zeros_like(value) for key, value in params.items()}
        self.num_heads = num_heads
        p = params
        self.attention = MultiHeadAttention(
            p["Wq"], p["Wk"], p["Wv"], p["Wo"], num_heads
        )
        self.norm1 = LayerNorm(p["gamma1"], p["beta1"])
        self.norm2 = LayerNorm(p["gamma2"], p["beta2"])
        self.cache = None

    def forward(self, x, mask=None):
        """Return the block's output, shape of x."""
        p = self.params
        x1 = self.norm1.forward(x + self.attention.forward(x, x, x, mask))
        u = x1 @ p["W1"] + p["b1"]
        h = np.maximum(u, 0)
        ffn = h @ p["W2"] + p["b2"]
        self.cache = (x1, u, h)
        return self.norm2.forward(x1 + ffn)

    def backward(self, dout):
        """Write every parameter's gradient into self.grads; return dx."""
        p, g = self.params, self.grads
        x1, u, h = self.cache
        d_model, d_ff = p["W1"].shape

        dsum2 = self.norm2.backward(dout)  # gradient of x1 + FFN(x1)
        g["gamma2"][...], g["beta2"][...] = self.norm2.grads
        g["W2"][...] = h.reshape(-1, d_ff).T @ dsum2.reshape(-1, d_model)
        g["b2"][...] = dsum2.reshape(-1, d_model).sum(axis=0)
        du = (dsum2 @ p["W2"].T) * (u > 0)  # ReLU passes where u > 0
        g["W1"][...] = x1.reshape(-1, d_model).T @ du.reshape(-1, d_ff)
        g["b1"][...] = du.reshape(-1, d_ff).sum(axis=0)
        # x1 went into the residual and into the FFN: the two gradients add up
        dx1 = dsum2 + du @ p["W1"].T

        dsum1 = self.norm1.backward(dx1)  # gradient of x + MHA(x, x, x)
        g["gamma1"][...], g["beta1"][...] = self.norm1.grads
        dq, dk, dv = self.attention.backward(dsum1)
        for key, grad in zip(
            ("Wq", "Wk", "Wv", "Wo"), self.attention.grads, strict=True
        ):
            g[key][...] = grad
        # x was used four times: the residual and the attention's q, k and v
        return dsum1 + dq + dk + dv
