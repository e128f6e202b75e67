"""Input checks shared by the reference modules.

Every check raises TypeError (wrong kind of value) or ValueError (right kind,
wrong shape or range) with a message that names the function, the argument,
what was expected and what arrived, so NumPy's own messages (``cannot reshape
array of size 9``) never reach a learner. The checks are cheap: dtype, ndim,
shape and, for labels, one min/max pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_float_array(x: ArrayLike, func: str, name: str) -> NDArray[np.floating]:
    """Return `x` as a floating-point ndarray without copying float input.

    Parameters
    ----------
    x : array_like, any shape, real (bool, int or float)
        The value to check.
    func, name : str
        The calling function and the argument's name, for the message.

    Returns
    -------
    ndarray, shape of x, float
        `x` itself when it already is a float ndarray; bools and integers are
        converted to float64 so that later arithmetic is not truncated.

    Raises
    ------
    TypeError
        For complex, string or object data.
    """
    array = np.asarray(x)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "biu":
        return array.astype(np.float64)
    raise TypeError(f"{func} expects {name} to hold real numbers; got dtype {array.dtype}")


def check_ndim(array: NDArray[np.generic], ndims: Sequence[int], func: str, name: str, layout: str) -> None:
    """Raise ValueError unless `array.ndim` is one of `ndims`.

    `layout` is the expected shape in words, e.g. ``"(N, C, H, W)"``; the
    message reads ``im2col expects input_data of shape (N, C, H, W); got (5, 5)``.
    """
    if array.ndim not in ndims:
        raise ValueError(f"{func} expects {name} of shape {layout}; got {array.shape}")


def check_shape(
    array: NDArray[np.generic],
    expected: tuple[int, ...],
    func: str,
    name: str,
    meaning: str,
) -> None:
    """Raise ValueError unless `array.shape == expected`.

    `meaning` says where the expected shape comes from, e.g.
    ``"the shape forward returned"``.
    """
    if array.shape != tuple(expected):
        raise ValueError(f"{func} expects {name} of shape {tuple(expected)} ({meaning}); got {array.shape}")


def as_int(value: object, func: str, name: str, minimum: int) -> int:
    """Return `value` as a Python int, checking that it is an int >= `minimum`.

    bool is rejected although it is an int subclass: ``stride=True`` is a bug.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{func} expects {name} to be an int; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{func} expects {name} >= {minimum}; got {value}")
    return int(value)


def as_real(value: object, func: str, name: str) -> float:
    """Return `value` as a Python float, checking that it is a real number.

    Range checks stay with the caller, which knows what the number means.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{func} expects {name} to be a real number; got {type(value).__name__} {value!r}")
    return float(value)


def as_labels(labels: ArrayLike, func: str, name: str, num_classes: int) -> NDArray[np.integer]:
    """Return integer class labels, checking dtype and range 0..num_classes-1.

    Parameters
    ----------
    labels : array_like, any shape, int
        Class indices.
    func, name : str
        The calling function and the argument's name, for the message.
    num_classes : int
        K; every label must satisfy 0 <= label < K.

    Returns
    -------
    ndarray, shape of labels, int
        The labels as an ndarray (not copied when already one).
    """
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{func} expects {name} to be integer class labels; got dtype "
            f"{array.dtype}. Whole numbers stored as floats can be passed as "
            f"{name}.astype(int)"
        )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{func} expects {name} in 0..{num_classes - 1} for {num_classes} "
            f"classes; got values from {array.min()} to {array.max()}"
        )
    return array


def teacher_as_one_hot(d: ArrayLike, y: NDArray[np.floating], func: str, name: str = "d") -> NDArray[np.floating]:
    """Return teacher data `d` as a float array of `y`'s shape.

    Parameters
    ----------
    d : array_like, shape of y (one-hot), or shape y.shape[:-1] int labels
        Teacher data: one-hot rows of y's shape (K,) or (N, K), integer labels
        (N,) for a batch, or a 0-d integer label for a single sample.
    y : ndarray, shape (K,) or (N, K), float
        The network's output the teacher data must match.
    func, name : str
        The calling function and the argument's name, for the message.

    Returns
    -------
    ndarray, shape of y, float
        `d` itself (as float) when it is already of y's shape, else the
        one-hot encoding of the labels.
    """
    array = np.asarray(d)
    if array.shape == y.shape:
        return as_float_array(array, func, name)
    if array.shape == y.shape[:-1]:
        num_classes = y.shape[-1]
        # rows of the identity matrix are exactly the one-hot vectors
        return np.eye(num_classes)[as_labels(array, func, name, num_classes)]
    raise ValueError(
        f"{func} expects {name} to be one-hot of y's shape {y.shape} or integer "
        f"labels of shape {y.shape[:-1]}; got {name} of shape {array.shape}"
    )


def as_generator(rng: object, func: str) -> np.random.Generator:
    """Return `rng` itself, or a fresh default Generator when it is None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{func} expects rng to be a numpy.random.Generator or None; got "
            f"{type(rng).__name__}. For a seed, pass np.random.default_rng(seed)"
        )
    return rng


def require_forward(state: object, func: str) -> None:
    """Raise RuntimeError when a layer's backward runs before its forward."""
    if state is None:
        raise RuntimeError(
            f"{func} was called before forward; run forward first, backward differentiates the last forward pass"
        )
