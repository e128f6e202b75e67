"""Worked solution, exercise 2: the output layer and loss functions.

模範解答 課題 2：出力層と損失関数
"""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray) -> np.ndarray:
    """Apply softmax to each row of x.

    Parameters
    ----------
    x : ndarray of float, shape (K,) or (N, K)
        Scores.

    Returns
    -------
    ndarray of float, same shape as x
        exp(x_k) / sum_j exp(x_j) over the last axis; rows sum to 1.
    """
    x = np.asarray(x, dtype=float)
    # shift each row so its largest score is 0: exp() cannot overflow and the
    # result is unchanged, because the factor exp(-max) cancels
    shifted = x - np.max(x, axis=-1, keepdims=True)
    exp_x = np.exp(shifted)
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)


def cross_entropy_error(d: np.ndarray, y: np.ndarray) -> float:
    """Return the batch-mean cross-entropy error.

    Parameters
    ----------
    d : ndarray
        One-hot teacher data of y's shape, or integer labels (N,) / 0-d.
    y : ndarray of float, shape (K,) or (N, K)
        Predicted probabilities.

    Returns
    -------
    float
        mean over N of -sum(d * log(y + 1e-7)).
    """
    d = np.asarray(d)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        # a single sample is a batch of one
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    batch_size = y.shape[0]

    if d.shape == y.shape:
        # one-hot (or any soft target): the formula as written
        return float(-np.sum(d * np.log(y + 1e-7)) / batch_size)
    # labels: only the probability of the correct class contributes
    labels = d.astype(np.intp)
    picked = y[np.arange(batch_size), labels]
    return float(-np.sum(np.log(picked + 1e-7)) / batch_size)


def mean_squared_error(d: np.ndarray, y: np.ndarray) -> float:
    """Return mean((y - d) ** 2) / 2 over all elements.

    Parameters
    ----------
    d : ndarray of float, same shape as y
        Teacher data.
    y : ndarray of float, any shape
        Network output.

    Returns
    -------
    float
        Half the mean squared difference.
    """
    diff = np.asarray(y, dtype=float) - np.asarray(d, dtype=float)
    return float(0.5 * np.mean(diff**2))


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Convert integer labels (N,) to a one-hot float array (N, num_classes).

    Parameters
    ----------
    labels : ndarray of int, shape (N,)
        Class labels in 0 .. num_classes - 1.
    num_classes : int
        Number of classes.

    Returns
    -------
    ndarray of float, shape (N, num_classes)
        1.0 at each sample's label, 0.0 elsewhere.
    """
    labels = np.asarray(labels, dtype=np.intp)
    # row k of the identity matrix is the one-hot vector of class k
    return np.eye(num_classes)[labels]
