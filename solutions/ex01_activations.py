"""Worked solution, exercise 1: activation functions and a forward pass.

模範解答 課題 1：活性化関数と順伝播
"""

from __future__ import annotations

import numpy as np


def step_function(x: np.ndarray) -> np.ndarray:
    """Return 1 where x > 0, else 0, as an integer array of x's shape.

    Parameters
    ----------
    x : ndarray of float, any shape, or a scalar
        Input.

    Returns
    -------
    ndarray of int64, same shape as x (0-d for a scalar)
        1 where x > 0, else 0.
    """
    # np.array (not .astype) so that a scalar gives a 0-d array, not a numpy scalar
    return np.array(np.asarray(x) > 0, dtype=np.int64)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Compute 1 / (1 + exp(-x)) elementwise, without overflow.

    Parameters
    ----------
    x : ndarray of float, any shape, or a scalar
        Input.

    Returns
    -------
    ndarray of float, same shape as x
        Values in [0, 1]; finite for any finite x.
    """
    # 1 / (1 + exp(-x)) = exp(-log(1 + exp(-x))); logaddexp(0, -x) computes
    # log(1 + exp(-x)) without ever forming exp of a large positive number.
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))


def relu(x: np.ndarray) -> np.ndarray:
    """Compute max(0, x) elementwise.

    Parameters
    ----------
    x : ndarray, any shape
        Input.

    Returns
    -------
    ndarray, same shape as x
        max(0, x).
    """
    return np.maximum(0, x)


def identity_function(x: np.ndarray) -> np.ndarray:
    """Return x unchanged (output activation for regression).

    Parameters
    ----------
    x : ndarray, any shape
        Input.

    Returns
    -------
    ndarray, same shape as x
        x itself.
    """
    return x


def forward(network: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Run a three-layer network: sigmoid, sigmoid, identity.

    Parameters
    ----------
    network : dict of ndarray
        W1 (D, H1), b1 (H1,), W2 (H1, H2), b2 (H2,), W3 (H2, K), b3 (K,).
    x : ndarray of float, shape (D,) or (N, D)
        Input data.

    Returns
    -------
    ndarray of float, shape (K,) or (N, K)
        identity(sigmoid(sigmoid(x @ W1 + b1) @ W2 + b2) @ W3 + b3).
    """
    W1, W2, W3 = network["W1"], network["W2"], network["W3"]
    b1, b2, b3 = network["b1"], network["b2"], network["b3"]

    # matrix products work for a single sample (D,) and a batch (N, D) alike
    z1 = sigmoid(np.dot(x, W1) + b1)
    z2 = sigmoid(np.dot(z1, W2) + b2)
    return identity_function(np.dot(z2, W3) + b3)
