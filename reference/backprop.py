"""Derivatives and backpropagation through a two-layer network (exercise 3).

The network of `backward`:

    u1 = x @ W1 + b1    z1 = relu(u1)
    u2 = z1 @ W2 + b2   y  = softmax(u2)
    L  = cross_entropy_error(d, y)          (mean over the batch)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_ndim, check_shape, teacher_as_one_hot
from .activations import sigmoid

__all__ = [
    "backward",
    "d_mean_squared_error",
    "d_relu",
    "d_sigmoid",
    "d_softmax_with_loss",
]


def d_sigmoid(u: ArrayLike) -> NDArray[np.floating]:
    """Derivative of the sigmoid at the pre-activation.

    Parameters
    ----------
    u : array_like, any shape, real
        Pre-activation (the sigmoid's input, not its output).

    Returns
    -------
    ndarray, shape of u, float
        sigmoid(u) * (1 - sigmoid(u)) elementwise; 0.25 at u = 0.
    """
    s = sigmoid(as_float_array(u, "d_sigmoid", "u"))
    return s * (1.0 - s)


def d_relu(u: ArrayLike) -> NDArray[np.floating]:
    """Derivative of relu at the pre-activation.

    Parameters
    ----------
    u : array_like, any shape, real
        Pre-activation.

    Returns
    -------
    ndarray, shape of u, float
        1.0 where u > 0, else 0.0 (the kink at u = 0 gets 0.0).
    """
    array = as_float_array(u, "d_relu", "u")
    return np.asarray(array > 0, dtype=array.dtype)


def d_softmax_with_loss(d: ArrayLike, y: ArrayLike) -> NDArray[np.floating]:
    """Gradient of cross_entropy_error(d, softmax(u)) with respect to u.

    Parameters
    ----------
    d : array_like, shape (K,) or (N, K) one-hot, or (N,) int labels
        Teacher data, as for cross_entropy_error.
    y : array_like, shape (K,) or (N, K), float
        softmax(u), the forward pass's output.

    Returns
    -------
    ndarray, shape of y, float
        (y - onehot(d)) / N, N the batch size (N = 1 for a single (K,) sample):
        the loss is a batch mean, so each sample's gradient is divided by N.
        This is the exact gradient of the loss without its 1e-7 guard.
    """
    probs = as_float_array(y, "d_softmax_with_loss", "y")
    check_ndim(probs, (1, 2), "d_softmax_with_loss", "y", "(K,) or (N, K)")
    target = teacher_as_one_hot(d, probs, "d_softmax_with_loss")
    batch_size = probs.shape[0] if probs.ndim == 2 else 1
    return (probs - target) / batch_size


def d_mean_squared_error(d: ArrayLike, y: ArrayLike) -> NDArray[np.floating]:
    """Gradient of mean_squared_error(d, y) with respect to y.

    Parameters
    ----------
    d : array_like, shape of y, real
        Teacher data.
    y : array_like, any shape, real
        The network's output.

    Returns
    -------
    ndarray, shape of y, float
        (y - d) / y.size: the loss is mean((y - d) ** 2) / 2 over all
        elements, so the 2 of the square cancels the 1/2 and the mean
        leaves 1 / y.size.
    """
    output = as_float_array(y, "d_mean_squared_error", "y")
    target = as_float_array(d, "d_mean_squared_error", "d")
    if target.shape != output.shape:
        raise ValueError(
            f"d_mean_squared_error expects d and y of the same shape; got d {target.shape} and y {output.shape}"
        )
    return (output - target) / output.size


def backward(
    network: Mapping[str, ArrayLike],
    x: ArrayLike,
    d: ArrayLike,
    z1: ArrayLike,
    y: ArrayLike,
) -> dict[str, NDArray[np.floating]]:
    """Gradients of the batch-mean cross-entropy of the two-layer network.

    Parameters
    ----------
    network : dict of str to ndarray
        W1 (D, H), b1 (H,), W2 (H, K), b2 (K,).
    x : array_like, shape (N, D), real
        The input batch.
    d : array_like, shape (N, K) one-hot, or (N,) int labels
        Teacher data.
    z1 : array_like, shape (N, H), float
        relu(x @ W1 + b1) from the forward pass.
    y : array_like, shape (N, K), float
        softmax(z1 @ W2 + b2) from the forward pass.

    Returns
    -------
    dict of str to ndarray, float
        W1 (D, H), b1 (H,), W2 (H, K), b2 (K,): dL/dparameter of
        L = mean over N of the cross-entropy, each of its parameter's shape.
        du2 = (y - onehot(d)) / N, dW2 = z1.T @ du2, db2 = sum over N of du2,
        du1 = (du2 @ W2.T) * relu'(u1), dW1 = x.T @ du1, db1 = sum over N of du1.
    """
    missing = [key for key in ("W1", "b1", "W2", "b2") if key not in network]
    if missing:
        raise ValueError(f"backward expects network to hold W1, b1, W2, b2; missing {', '.join(missing)}")
    inputs = as_float_array(x, "backward", "x")
    check_ndim(inputs, (2,), "backward", "x", "(N, D)")
    W1 = as_float_array(network["W1"], "backward", "W1")
    W2 = as_float_array(network["W2"], "backward", "W2")
    check_ndim(W1, (2,), "backward", "W1", "(D, H)")
    check_ndim(W2, (2,), "backward", "W2", "(H, K)")
    batch_size, hidden, classes = inputs.shape[0], W1.shape[1], W2.shape[1]
    check_shape(W1, (inputs.shape[1], hidden), "backward", "W1", "D from x's columns")
    check_shape(W2, (hidden, classes), "backward", "W2", "H from W1's columns")
    hidden_out = as_float_array(z1, "backward", "z1")
    check_shape(hidden_out, (batch_size, hidden), "backward", "z1", "(N, H)")
    probs = as_float_array(y, "backward", "y")
    check_shape(probs, (batch_size, classes), "backward", "y", "(N, K)")

    du2 = d_softmax_with_loss(d, probs)
    dz1 = du2 @ W2.T
    # relu'(u1) is 1 exactly where z1 = relu(u1) > 0, so z1 stands in for u1
    du1 = dz1 * d_relu(hidden_out)
    return {
        "W1": inputs.T @ du1,
        "b1": du1.sum(axis=0),
        "W2": hidden_out.T @ du2,
        "b2": du2.sum(axis=0),
    }
