"""Activation functions (exercise 1) and softmax (exercise 2).

step_function, sigmoid, relu and identity_function work elementwise on input
of any shape; softmax normalises the last axis of a (K,) vector or an (N, K)
batch. Integer and bool input is computed in float64; float input keeps its
dtype.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_ndim

__all__ = ["identity_function", "relu", "sigmoid", "softmax", "step_function"]


def step_function(x: ArrayLike) -> NDArray[np.int64]:
    """Heaviside step function.

    Parameters
    ----------
    x : array_like, any shape, real
        Pre-activation.

    Returns
    -------
    ndarray, shape of x, int64
        1 where x > 0, else 0 (so 0 at x == 0). A 0-d array for a scalar x.
    """
    array = as_float_array(x, "step_function", "x")
    # np.asarray keeps a 0-d result an ndarray; comparing a 0-d array gives a
    # NumPy scalar, and the contract asks for an array.
    return np.asarray(array > 0, dtype=np.int64)


def sigmoid(x: ArrayLike) -> NDArray[np.floating]:
    """Logistic sigmoid, computed so that it cannot overflow.

    Parameters
    ----------
    x : array_like, any shape, real
        Pre-activation.

    Returns
    -------
    ndarray, shape of x, float
        1 / (1 + exp(-x)) elementwise, in (0, 1) and finite for every finite
        x (x = -1000 gives 0.0 and x = 1000 gives 1.0, without a warning).
    """
    array = as_float_array(x, "sigmoid", "x")
    # exp(-|x|) lies in (0, 1], so neither branch can overflow. For x >= 0 this
    # is 1 / (1 + exp(-x)); for x < 0 it is the same value multiplied through
    # by exp(x): exp(x) / (1 + exp(x)).
    e = np.exp(-np.abs(array))
    return np.where(array >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x: ArrayLike) -> NDArray[np.floating]:
    """Rectified linear unit.

    Parameters
    ----------
    x : array_like, any shape, real
        Pre-activation.

    Returns
    -------
    ndarray, shape of x, float
        max(0, x) elementwise.
    """
    array = as_float_array(x, "relu", "x")
    return np.maximum(array, 0)


def identity_function(x: ArrayLike) -> ArrayLike:
    """Identity, the output activation of a regression network.

    Parameters
    ----------
    x : array_like, any shape
        Pre-activation.

    Returns
    -------
    array_like
        `x` itself, unchanged (the same object).
    """
    return x


def softmax(x: ArrayLike) -> NDArray[np.floating]:
    """Softmax over the last axis.

    Parameters
    ----------
    x : array_like, shape (K,) or (N, K), real
        Scores (logits) of K classes, for one sample or a batch of N.

    Returns
    -------
    ndarray, shape of x, float
        exp(x_k) / sum_j exp(x_j) along the last axis; each row sums to 1.
        Finite for large scores: x = [1000, 1010, 990] works.
    """
    array = as_float_array(x, "softmax", "x")
    check_ndim(array, (1, 2), "softmax", "x", "(K,) or (N, K)")
    if array.shape[-1] == 0:
        raise ValueError(f"softmax expects at least one class (K >= 1); got x of shape {array.shape}")
    # subtracting the row maximum leaves softmax unchanged (it cancels between
    # numerator and denominator) and keeps every exp() <= 1
    e = np.exp(array - array.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
