"""Attention and a Transformer encoder block (exercise 13).

The layers follow "Deep Learning from Scratch 2": a layer with parameters
keeps them in ``self.params`` (references to the arrays it was given, so an
optimizer that updates them in place updates the layer) and their gradients
in ``self.grads``, arrays of the same shapes created once and overwritten in
place by every ``backward`` (``grads[0][...] = dgamma``), so an optimizer
holding ``grads`` sees the newest gradient.  Sequences are ``(N, T, D)``.
No function or layer modifies its inputs or the upstream gradient ``dout``.

    scaled_dot_product_attention   softmax(Q K^T / sqrt(dk)) V, with a mask
    ScaledDotProductAttention      the same with forward and backward
    LayerNorm                      normalisation over the last axis
    positional_encoding            the sinusoidal table of "Attention Is All You Need"
    MultiHeadAttention             h heads, consecutive blocks of d_model, no biases
    TransformerEncoderBlock        post-LN: LN(x + MHA(x)), then LN(x1 + FFN(x1))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_int, check_ndim, check_shape, require_forward

__all__ = [
    "LayerNorm",
    "MultiHeadAttention",
    "ScaledDotProductAttention",
    "TransformerEncoderBlock",
    "positional_encoding",
    "scaled_dot_product_attention",
]

# the keys of TransformerEncoderBlock's params and grads, in the contract's order
BLOCK_KEYS = ("Wq", "Wk", "Wv", "Wo", "W1", "b1", "W2", "b2", "gamma1", "beta1", "gamma2", "beta2")

Array = NDArray[np.floating]


def _transpose_last(x: Array) -> Array:
    return np.swapaxes(x, -1, -2)


def _as_mask(mask: ArrayLike, scores_shape: tuple[int, ...], func: str) -> NDArray[np.bool_]:
    """``mask`` as a boolean array of the scores' shape; True hides a key from a query."""
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(f"{func} expects mask to be a boolean array (True = hidden); got dtype {array.dtype}")
    try:
        full = np.broadcast_to(array, scores_shape)
    except ValueError:
        raise ValueError(
            f"{func} expects mask broadcastable to the scores' shape {scores_shape} (..., Tq, Tk); got {array.shape}"
        ) from None
    if np.any(np.all(full, axis=-1)):
        raise ValueError(f"{func}: a query has every key hidden by the mask; its weights would be undefined")
    return full


def _attention_inputs(Q: ArrayLike, K: ArrayLike, V: ArrayLike, func: str) -> tuple[Array, Array, Array]:
    q = as_float_array(Q, func, "Q")
    k = as_float_array(K, func, "K")
    v = as_float_array(V, func, "V")
    for name, array in (("Q", q), ("K", k), ("V", v)):
        if array.ndim < 2:
            raise ValueError(f"{func} expects {name} of shape (..., T, d) with at least 2 axes; got {array.shape}")
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"{func}: Q {q.shape} and K {k.shape} must share the last axis dk")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"{func}: K {k.shape} and V {v.shape} must have the same number of keys Tk")
    if not q.shape[:-2] == k.shape[:-2] == v.shape[:-2]:
        raise ValueError(f"{func}: Q, K and V must share their leading axes; got {q.shape}, {k.shape}, {v.shape}")
    return q, k, v


def _attention_weights(q: Array, k: Array, mask: ArrayLike | None, func: str) -> Array:
    scores = q @ _transpose_last(k) / np.sqrt(q.shape[-1])
    if mask is not None:
        # exp(-inf) is exactly 0: a hidden key gets weight 0, not merely a small one
        scores = np.where(_as_mask(mask, scores.shape, func), -np.inf, scores)
    # the row maximum cancels in the ratio and keeps every exp() <= 1 (no overflow for large scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def scaled_dot_product_attention(
    Q: ArrayLike, K: ArrayLike, V: ArrayLike, mask: ArrayLike | None = None
) -> tuple[Array, Array]:
    """Scaled dot-product attention.

    Parameters
    ----------
    Q : array_like, shape (..., Tq, dk), real
        Queries.
    K : array_like, shape (..., Tk, dk), real
        Keys; the same leading axes as Q.
    V : array_like, shape (..., Tk, dv), real
        Values, one per key.
    mask : array_like of bool, broadcastable to (..., Tq, Tk), optional
        True where a key is hidden from a query (its weight is 0).  Every
        query must see at least one key.

    Returns
    -------
    out : ndarray, shape (..., Tq, dv), float
        weights @ V: each query's weighted average of the values.
    weights : ndarray, shape (..., Tq, Tk), float
        softmax(Q K^T / sqrt(dk)) over the last axis (the keys); each row sums to 1.
    """
    func = "scaled_dot_product_attention"
    q, k, v = _attention_inputs(Q, K, V, func)
    weights = _attention_weights(q, k, mask, func)
    return weights @ v, weights


class ScaledDotProductAttention:
    """Scaled dot-product attention as a layer: out = softmax(Q K^T / sqrt(dk)) V.

    Attributes
    ----------
    weights : ndarray, shape (..., Tq, Tk), or None
        The attention weights of the last forward pass.
    """

    def __init__(self) -> None:
        self.weights: Array | None = None
        # Q, K, V and the weights of the last forward pass
        self.saved: tuple[Array, Array, Array, Array] | None = None

    def forward(self, Q: ArrayLike, K: ArrayLike, V: ArrayLike, mask: ArrayLike | None = None) -> Array:
        """Attend: see ``scaled_dot_product_attention``; returns only ``out``, shape (..., Tq, dv)."""
        func = "ScaledDotProductAttention.forward"
        q, k, v = _attention_inputs(Q, K, V, func)
        self.weights = _attention_weights(q, k, mask, func)
        self.saved = (q, k, v, self.weights)
        return self.weights @ v

    def backward(self, dout: ArrayLike) -> tuple[Array, Array, Array]:
        """Gradients with respect to Q, K and V.

        Parameters
        ----------
        dout : array_like, shape (..., Tq, dv), real
            dL/dout.

        Returns
        -------
        dQ : ndarray, shape of Q
            dS @ K / sqrt(dk), with dS = weights * (dW - sum(dW * weights, last axis)),
            dW = dout @ V^T (the softmax's backward, row by row).
        dK : ndarray, shape of K
            dS^T @ Q / sqrt(dk).
        dV : ndarray, shape of V
            weights^T @ dout.  A hidden key has weight 0, so it gets no gradient.
        """
        require_forward(self.saved, "ScaledDotProductAttention.backward")
        q, k, v, weights = self.saved
        grad = as_float_array(dout, "ScaledDotProductAttention.backward", "dout")
        expected = (*weights.shape[:-1], v.shape[-1])
        check_shape(grad, expected, "ScaledDotProductAttention.backward", "dout", "the shape forward returned")
        dV = _transpose_last(weights) @ grad
        dweights = grad @ _transpose_last(v)
        dscores = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
        dscores = dscores / np.sqrt(q.shape[-1])
        return dscores @ k, _transpose_last(dscores) @ q, dV


class LayerNorm:
    """Layer normalisation over the last axis: out = gamma * (x - mu) / sqrt(var + eps) + beta.

    mu and var (the biased variance: divided by D) are taken over the last
    axis of each sample (each time step of a sequence), not over the batch.

    Parameters
    ----------
    gamma, beta : ndarray, shape (D,), float
        Scale and shift; kept by reference in ``params``.
    eps : float
        Added to the variance inside the square root.

    Attributes
    ----------
    params : list of ndarray
        [gamma, beta].
    grads : list of ndarray
        [dgamma, dbeta], shapes (D,): sums over every axis but the last,
        overwritten in place by ``backward``.
    """

    def __init__(self, gamma: ArrayLike, beta: ArrayLike, eps: float = 1e-5) -> None:
        g = as_float_array(gamma, "LayerNorm", "gamma")
        b = as_float_array(beta, "LayerNorm", "beta")
        check_ndim(g, (1,), "LayerNorm", "gamma", "(D,)")
        check_shape(b, g.shape, "LayerNorm", "beta", "gamma's shape (D,)")
        self.params = [g, b]
        self.grads = [np.zeros_like(g), np.zeros_like(b)]
        self.eps = float(eps)
        self.xn: Array | None = None
        self.std: Array | None = None

    def forward(self, x: ArrayLike) -> Array:
        """Normalise each sample over its last axis.

        Parameters
        ----------
        x : array_like, shape (..., D), real
            Input, (N, D) or a sequence (N, T, D).

        Returns
        -------
        ndarray, shape of x, float
            gamma * xn + beta with xn = (x - mean) / sqrt(var + eps) over the last axis.
        """
        inputs = as_float_array(x, "LayerNorm.forward", "x")
        gamma, beta = self.params
        if inputs.ndim < 1 or inputs.shape[-1] != gamma.shape[0]:
            raise ValueError(f"LayerNorm.forward expects x of shape (..., {gamma.shape[0]}); got {inputs.shape}")
        centred = inputs - inputs.mean(axis=-1, keepdims=True)
        self.std = np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + self.eps)
        self.xn = centred / self.std
        return gamma * self.xn + beta

    def backward(self, dout: ArrayLike) -> Array:
        """Gradient with respect to x; writes dgamma and dbeta into ``grads``.

        Parameters
        ----------
        dout : array_like, shape of x, real
            dL/dout.

        Returns
        -------
        ndarray, shape of x, float
            (dxn - mean(dxn) - xn * mean(dxn * xn)) / std, means over the last
            axis, dxn = gamma * dout: the paths through mu and var included.
        """
        require_forward(self.xn, "LayerNorm.backward")
        grad = as_float_array(dout, "LayerNorm.backward", "dout")
        check_shape(grad, self.xn.shape, "LayerNorm.backward", "dout", "the shape forward returned")
        leading = tuple(range(grad.ndim - 1))
        self.grads[0][...] = np.sum(grad * self.xn, axis=leading)
        self.grads[1][...] = np.sum(grad, axis=leading)
        dxn = grad * self.params[0]
        mean_dxn = dxn.mean(axis=-1, keepdims=True)
        mean_dxn_xn = np.mean(dxn * self.xn, axis=-1, keepdims=True)
        return (dxn - mean_dxn - self.xn * mean_dxn_xn) / self.std


def positional_encoding(T: int, d_model: int) -> Array:
    """The sinusoidal positional encoding of "Attention Is All You Need".

    Parameters
    ----------
    T : int
        Number of positions p = 0 .. T - 1.
    d_model : int
        Width of the encoding (odd widths end with a sine column).

    Returns
    -------
    ndarray, shape (T, d_model), float
        PE[p, 2i] = sin(p / 10000**(2i / d_model)),
        PE[p, 2i + 1] = cos(p / 10000**(2i / d_model)): sine and cosine
        interleaved, one frequency per pair of columns.
    """
    length = as_int(T, "positional_encoding", "T", 0)
    width = as_int(d_model, "positional_encoding", "d_model", 1)
    position = np.arange(length, dtype=np.float64)[:, np.newaxis]
    column = np.arange(width)
    # columns 2i and 2i + 1 share the frequency 1 / 10000**(2i / d_model)
    angle = position / 10000.0 ** (2 * (column // 2) / width)
    return np.where(column % 2 == 0, np.sin(angle), np.cos(angle))


def _split_heads(x: Array, heads: int) -> Array:
    """(N, T, d_model) -> (N, heads, T, d_model // heads): head j takes columns j*dh .. (j+1)*dh - 1."""
    n, t, d = x.shape
    return x.reshape(n, t, heads, d // heads).transpose(0, 2, 1, 3)


def _merge_heads(x: Array) -> Array:
    """(N, heads, T, dh) -> (N, T, heads * dh), the inverse of ``_split_heads``."""
    n, heads, t, dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(n, t, heads * dh)


def _weight_gradient(x: Array, grad: Array) -> Array:
    """x^T grad summed over every sample and time step: (N, T, a), (N, T, b) -> (a, b)."""
    return x.reshape(-1, x.shape[-1]).T @ grad.reshape(-1, grad.shape[-1])


class MultiHeadAttention:
    """Multi-head attention without biases.

    Q = q Wq, K = k Wk, V = v Wv; each is split into ``num_heads`` consecutive
    blocks of dh = d_model / num_heads columns; head j attends with its
    blocks (scaled by 1 / sqrt(dh)); the heads' outputs are concatenated in
    order and multiplied by Wo.

    Parameters
    ----------
    Wq, Wk, Wv, Wo : ndarray, shape (d_model, d_model), float
        Projections; kept by reference in ``params``.
    num_heads : int
        Number of heads; divides d_model.

    Attributes
    ----------
    params : list of ndarray
        [Wq, Wk, Wv, Wo].
    grads : list of ndarray
        [dWq, dWk, dWv, dWo], overwritten in place by ``backward``.
    """

    def __init__(self, Wq: ArrayLike, Wk: ArrayLike, Wv: ArrayLike, Wo: ArrayLike, num_heads: int) -> None:
        weights = [
            as_float_array(W, "MultiHeadAttention", name)
            for W, name in zip((Wq, Wk, Wv, Wo), ("Wq", "Wk", "Wv", "Wo"), strict=True)
        ]
        check_ndim(weights[0], (2,), "MultiHeadAttention", "Wq", "(d_model, d_model)")
        d_model = weights[0].shape[0]
        for W, name in zip(weights, ("Wq", "Wk", "Wv", "Wo"), strict=True):
            check_shape(W, (d_model, d_model), "MultiHeadAttention", name, "(d_model, d_model)")
        self.num_heads = as_int(num_heads, "MultiHeadAttention", "num_heads", 1)
        if d_model % self.num_heads:
            raise ValueError(f"MultiHeadAttention: num_heads {self.num_heads} does not divide d_model {d_model}")
        self.params = weights
        self.grads = [np.zeros_like(W) for W in weights]
        self.attention = ScaledDotProductAttention()
        self.inputs: tuple[Array, Array, Array] | None = None
        self.concat: Array | None = None

    def forward(self, q: ArrayLike, k: ArrayLike, v: ArrayLike, mask: ArrayLike | None = None) -> Array:
        """Attend from the queries q to the keys k and values v.

        Parameters
        ----------
        q : array_like, shape (N, Tq, d_model), real
            The sequence that asks.
        k, v : array_like, shape (N, Tk, d_model), real
            The sequence attended to (the same array as q for self-attention).
        mask : array_like of bool, shape (Tq, Tk) or (N, Tq, Tk), optional
            True hides a key from a query; the same for every head.

        Returns
        -------
        ndarray, shape (N, Tq, d_model), float
            concat(head_1 .. head_h) @ Wo.
        """
        func = "MultiHeadAttention.forward"
        arrays = tuple(as_float_array(a, func, name) for a, name in ((q, "q"), (k, "k"), (v, "v")))
        d_model = self.params[0].shape[0]
        for array, name in zip(arrays, "qkv", strict=True):
            check_ndim(array, (3,), func, name, f"(N, T, {d_model})")
            if array.shape[-1] != d_model:
                raise ValueError(f"{func} expects {name} of shape (N, T, {d_model}); got {array.shape}")
        self.inputs = (arrays[0], arrays[1], arrays[2])
        heads = [_split_heads(x @ W, self.num_heads) for x, W in zip(arrays, self.params[:3], strict=True)]
        if mask is not None:
            mask = np.asarray(mask)
            # one mask for every head: (N, Tq, Tk) gets a head axis, (Tq, Tk) broadcasts as it is
            mask = mask[:, np.newaxis] if mask.ndim == 3 else mask
        self.concat = _merge_heads(self.attention.forward(*heads, mask))
        return self.concat @ self.params[3]

    def backward(self, dout: ArrayLike) -> tuple[Array, Array, Array]:
        """Gradients with respect to q, k and v; writes [dWq, dWk, dWv, dWo] into ``grads``.

        Parameters
        ----------
        dout : array_like, shape (N, Tq, d_model), real
            dL/dout.

        Returns
        -------
        (dq, dk, dv) : ndarrays of the shapes of q, k and v
            For self-attention (q, k, v the same array x) the gradient with
            respect to x is their sum, which the caller forms.
        """
        require_forward(self.concat, "MultiHeadAttention.backward")
        grad = as_float_array(dout, "MultiHeadAttention.backward", "dout")
        check_shape(grad, self.concat.shape, "MultiHeadAttention.backward", "dout", "the shape forward returned")
        Wq, Wk, Wv, Wo = self.params
        self.grads[3][...] = _weight_gradient(self.concat, grad)
        dheads = _split_heads(grad @ Wo.T, self.num_heads)
        projected = self.attention.backward(dheads)
        dxs = []
        for index, (x, W, dh) in enumerate(zip(self.inputs, (Wq, Wk, Wv), projected, strict=True)):
            dprojected = _merge_heads(dh)
            self.grads[index][...] = _weight_gradient(x, dprojected)
            dxs.append(dprojected @ W.T)
        return dxs[0], dxs[1], dxs[2]


class TransformerEncoderBlock:
    """One encoder block, post-LN as in "Attention Is All You Need".

    x1 = LayerNorm1(x + MHA(x, x, x, mask)), out = LayerNorm2(x1 + FFN(x1)),
    FFN(h) = relu(h @ W1 + b1) @ W2 + b2; both LayerNorms use eps = 1e-5.

    Parameters
    ----------
    params : dict of ndarray
        Wq, Wk, Wv, Wo (d_model, d_model); W1 (d_model, d_ff), b1 (d_ff,);
        W2 (d_ff, d_model), b2 (d_model,); gamma1, beta1, gamma2, beta2
        (d_model,).  Kept by reference.
    num_heads : int
        Heads of the attention; divides d_model.

    Attributes
    ----------
    grads : dict of ndarray
        The gradient of every parameter under the parameter's key,
        overwritten in place by ``backward``.
    """

    def __init__(self, params: Mapping[str, ArrayLike], num_heads: int) -> None:
        missing = [key for key in BLOCK_KEYS if key not in params]
        if missing:
            raise ValueError(f"TransformerEncoderBlock: params lacks {', '.join(missing)}; it needs {BLOCK_KEYS}")
        self.params = {key: as_float_array(params[key], "TransformerEncoderBlock", key) for key in BLOCK_KEYS}
        p = self.params
        d_model = p["Wq"].shape[0] if p["Wq"].ndim == 2 else -1
        d_ff = p["W1"].shape[1] if p["W1"].ndim == 2 else -1
        shapes = {"W1": (d_model, d_ff), "b1": (d_ff,), "W2": (d_ff, d_model), "b2": (d_model,)}
        shapes.update({key: (d_model,) for key in ("gamma1", "beta1", "gamma2", "beta2")})
        for key, shape in shapes.items():
            check_shape(p[key], shape, "TransformerEncoderBlock", key, "d_model and d_ff from Wq and W1")
        self.grads = {key: np.zeros_like(value) for key, value in p.items()}
        self.attention = MultiHeadAttention(p["Wq"], p["Wk"], p["Wv"], p["Wo"], num_heads)
        self.norm1 = LayerNorm(p["gamma1"], p["beta1"])
        self.norm2 = LayerNorm(p["gamma2"], p["beta2"])
        self.x1: Array | None = None
        self.hidden: Array | None = None

    def forward(self, x: ArrayLike, mask: ArrayLike | None = None) -> Array:
        """Self-attention and the feed-forward network, each with a residual connection and a LayerNorm.

        Parameters
        ----------
        x : array_like, shape (N, T, d_model), real
            Input sequence.
        mask : array_like of bool, shape (T, T) or (N, T, T), optional
            Passed to the attention (True = hidden).

        Returns
        -------
        ndarray, shape (N, T, d_model), float
        """
        inputs = as_float_array(x, "TransformerEncoderBlock.forward", "x")
        p = self.params
        self.x1 = self.norm1.forward(inputs + self.attention.forward(inputs, inputs, inputs, mask))
        self.hidden = self.x1 @ p["W1"] + p["b1"]
        return self.norm2.forward(self.x1 + np.maximum(self.hidden, 0.0) @ p["W2"] + p["b2"])

    def backward(self, dout: ArrayLike) -> Array:
        """Gradient with respect to x; writes every parameter's gradient into ``grads``.

        Parameters
        ----------
        dout : array_like, shape (N, T, d_model), real
            dL/dout.

        Returns
        -------
        ndarray, shape (N, T, d_model), float
            The residual path plus dq + dk + dv of the self-attention.
        """
        require_forward(self.hidden, "TransformerEncoderBlock.backward")
        p, g = self.params, self.grads
        dsum2 = self.norm2.backward(dout)
        g["gamma2"][...], g["beta2"][...] = self.norm2.grads
        relu_out = np.maximum(self.hidden, 0.0)
        g["W2"][...] = _weight_gradient(relu_out, dsum2)
        g["b2"][...] = dsum2.reshape(-1, dsum2.shape[-1]).sum(axis=0)
        dhidden = (dsum2 @ p["W2"].T) * (self.hidden > 0)
        g["W1"][...] = _weight_gradient(self.x1, dhidden)
        g["b1"][...] = dhidden.reshape(-1, dhidden.shape[-1]).sum(axis=0)
        # x1 feeds both the residual and the feed-forward network: the two gradients add
        dsum1 = self.norm1.backward(dsum2 + dhidden @ p["W1"].T)
        g["gamma1"][...], g["beta1"][...] = self.norm1.grads
        dq, dk, dv = self.attention.backward(dsum1)
        for key, grad in zip(("Wq", "Wk", "Wv", "Wo"), self.attention.grads, strict=True):
            g[key][...] = grad
        return dsum1 + dq + dk + dv
