"""Loss functions and one-hot encoding (exercise 2).

Losses take the teacher data first, ``(d, y)``, as in the course material:
`d` is the target, `y` the network's output.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_float_array,
    as_int,
    as_labels,
    check_ndim,
    teacher_as_one_hot,
)

__all__ = ["cross_entropy_error", "mean_squared_error", "one_hot"]


def cross_entropy_error(d: ArrayLike, y: ArrayLike) -> float:
    """Cross-entropy error, averaged over the batch.

    Parameters
    ----------
    d : array_like, shape (K,) or (N, K) one-hot, or (N,) int labels
        Teacher data. One-hot of y's shape, or integer class labels: (N,) for
        a batch, a 0-d integer for a single sample.
    y : array_like, shape (K,) or (N, K), float
        Predicted probabilities (e.g. softmax output), for one sample or N.

    Returns
    -------
    float
        mean over N of -sum(d * log(y + 1e-7)). Mean, not sum; N = 1 for a
        single (K,) sample. The 1e-7 keeps the loss finite where a
        probability is exactly 0.
    """
    probs = as_float_array(y, "cross_entropy_error", "y")
    check_ndim(probs, (1, 2), "cross_entropy_error", "y", "(K,) or (N, K)")
    target = teacher_as_one_hot(d, probs, "cross_entropy_error")
    batch_size = probs.shape[0] if probs.ndim == 2 else 1
    if batch_size == 0:
        raise ValueError("cross_entropy_error expects at least one sample; got N = 0")
    return float(-np.sum(target * np.log(probs + 1e-7)) / batch_size)


def mean_squared_error(d: ArrayLike, y: ArrayLike) -> float:
    """Mean squared error, halved.

    Parameters
    ----------
    d : array_like, shape of y, real
        Teacher data (one-hot for a classifier: see one_hot).
    y : array_like, any shape, real
        The network's output.

    Returns
    -------
    float
        mean((y - d) ** 2) / 2, the mean taken over all elements (not only
        over the batch). The textbook's 0.5 * sum((y - d) ** 2) equals this
        times y.size.
    """
    output = as_float_array(y, "mean_squared_error", "y")
    target = as_float_array(d, "mean_squared_error", "d")
    if target.shape != output.shape:
        raise ValueError(
            f"mean_squared_error expects d and y of the same shape; got d "
            f"{target.shape} and y {output.shape}. For integer labels, pass "
            "one_hot(labels, K) as d"
        )
    if output.size == 0:
        raise ValueError("mean_squared_error expects at least one element; got none")
    return float(np.mean((output - target) ** 2) / 2)


def one_hot(labels: ArrayLike, num_classes: int) -> NDArray[np.float64]:
    """Encode integer class labels as one-hot rows.

    Parameters
    ----------
    labels : array_like, shape (N,) int, or 0-d int for a single label
        Class indices, each in 0..num_classes-1.
    num_classes : int
        K, the number of classes (the width of each row).

    Returns
    -------
    ndarray, shape (N, num_classes) (or (num_classes,) for 0-d labels), float64
        Row i is 1.0 at column labels[i] and 0.0 elsewhere.
    """
    num_classes = as_int(num_classes, "one_hot", "num_classes", minimum=1)
    array = as_labels(labels, "one_hot", "labels", num_classes)
    check_ndim(array, (0, 1), "one_hot", "labels", "(N,)")
    # rows of the identity matrix are exactly the one-hot vectors
    return np.eye(num_classes)[array]
