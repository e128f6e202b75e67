"""Worked solution, exercise 6: numerical differentiation.

模範解答 課題 6：数値微分
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_diff(f: Callable[[float], float], x: float) -> float:
    """Return the central difference (f(x + h) - f(x - h)) / (2 * h), h = 1e-4.

    Parameters
    ----------
    f : callable
        Scalar function of a scalar.
    x : float
        Point of differentiation.

    Returns
    -------
    float
        Approximate derivative f'(x).
    """
    h = 1e-4  # small, but not so small that x + h rounds back to x
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Return the central-difference gradient of f at x, for x of any shape.

    Parameters
    ----------
    f : callable
        f(x) returns a scalar; it may also read x by reference.
    x : ndarray of float, any shape
        Point of differentiation; perturbed in place, restored on return.

    Returns
    -------
    ndarray of float, same shape as x
        Approximate gradient df/dx.
    """
    h = 1e-4
    if not np.issubdtype(x.dtype, np.floating):
        # x + h cannot be stored in an integer array; use a float copy
        # (f then has to use its argument, since x itself cannot move)
        x = x.astype(float)
    grad = np.zeros(x.shape, dtype=float)

    # np.ndindex visits every index of any shape, including 0-d
    for idx in np.ndindex(x.shape):
        original = x[idx].copy()
        try:
            # perturb x itself, so that an f reading x by reference sees it
            x[idx] = original + h
            f_plus = f(x)
            x[idx] = original - h
            f_minus = f(x)
        finally:
            x[idx] = original  # restore, even if f raised
        grad[idx] = (f_plus - f_minus) / (2 * h)

    return grad
