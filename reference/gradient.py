"""Numerical differentiation by central differences (exercise 6).

    f'(x) ~ (f(x + h) - f(x - h)) / (2 * h),   h = 1e-4

The central difference's error shrinks like h ** 2; h = 1e-4 balances that
against float64 rounding in f(x + h) - f(x - h), which grows like 1e-16 / h.
These are slow (two calls of f per element) but need no derivation, which is
why they are the standard check of a hand-written backward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["numerical_diff", "numerical_gradient"]

_H = 1e-4


def _scalar(value: object, func: str) -> float:
    """Return f's result as a float, with a clear message when it is not a scalar."""
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise ValueError(
            f"{func} expects f to return a scalar; got an array of shape {np.shape(value)}. "
            "Reduce it first, e.g. return np.sum(...) or the loss"
        )
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{func} expects f to return a number; got {type(value).__name__}") from error


def numerical_diff(f: Callable[[float], object], x: float) -> float:
    """Derivative of a scalar function by the central difference.

    Parameters
    ----------
    f : callable, float -> scalar
        The function to differentiate.
    x : float
        The point.

    Returns
    -------
    float
        (f(x + h) - f(x - h)) / (2 * h) with h = 1e-4.
    """
    if not callable(f):
        raise TypeError(f"numerical_diff expects f to be a function; got {type(f).__name__}")
    if np.ndim(x) != 0:
        raise TypeError(
            f"numerical_diff expects a scalar x; got an array of shape {np.shape(x)}. Use numerical_gradient for arrays"
        )
    point = float(x)
    f_plus = _scalar(f(point + _H), "numerical_diff")
    f_minus = _scalar(f(point - _H), "numerical_diff")
    return (f_plus - f_minus) / (2 * _H)


def numerical_gradient(f: Callable[[NDArray[np.floating]], object], x: NDArray[np.floating]) -> NDArray[np.float64]:
    """Gradient of a scalar function of an array by central differences.

    Each element of `x` is moved to x_i + h and x_i - h in place, f is called
    with `x`, and the element is put back. Changing `x` in place (rather than
    a copy) is what lets the textbook idiom work: ``f = lambda w:
    net.loss(x, t)`` ignores its argument and reads ``net.W``, so
    ``numerical_gradient(f, net.W)`` must perturb ``net.W`` itself.

    Parameters
    ----------
    f : callable, ndarray -> scalar
        The function; called 2 * x.size times.
    x : ndarray, any shape, float (float64 recommended: h = 1e-4 is too fine
        for float32)
        The point. Holds exactly its original values when the call returns,
        also when f raises.

    Returns
    -------
    ndarray, shape of x, float64
        (f(x + h e_i) - f(x - h e_i)) / (2 * h) for every element i, h = 1e-4.
    """
    if not callable(f):
        raise TypeError(f"numerical_gradient expects f to be a function; got {type(f).__name__}")
    if not isinstance(x, np.ndarray):
        raise TypeError(
            "numerical_gradient expects x to be an ndarray (it is perturbed in place "
            f"so that f can see it); got {type(x).__name__}. Pass np.array(x, dtype=float)"
        )
    if x.dtype.kind != "f":
        raise TypeError(
            "numerical_gradient expects a float ndarray x (x_i + 1e-4 must be "
            f"representable); got dtype {x.dtype}. Pass x.astype(float)"
        )
    if not x.flags.writeable:
        raise ValueError("numerical_gradient perturbs x in place, but x is read-only; pass x.copy()")

    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + _H
            f_plus = _scalar(f(x), "numerical_gradient")
            x[index] = original - _H
            f_minus = _scalar(f(x), "numerical_gradient")
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * _H)
    return grad
