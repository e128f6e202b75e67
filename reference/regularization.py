"""Weight decay: L2 and L1 penalties and their gradients (exercise 9).

The penalty is added to the loss and its gradient to each weight's gradient:

    L_total = L + l2_penalty([W1, W2, ...], lam)
    dW_total = dW + l2_grad(W, lam)

Biases are usually left out: they do not make the model more complex.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_real

__all__ = ["l1_grad", "l1_penalty", "l2_grad", "l2_penalty"]


def _strength(lam: object, func: str) -> float:
    """Return lam as a float, checking that it is a number >= 0."""
    value = as_real(lam, func, "lam")
    if not value >= 0:
        raise ValueError(f"{func} expects lam >= 0 (the penalty's strength); got {lam}")
    return value


def _weight_arrays(weights: Iterable[ArrayLike] | NDArray[np.floating], func: str) -> list[NDArray[np.floating]]:
    """Return the weight matrices as a list of float arrays."""
    if isinstance(weights, np.ndarray):
        # one array is one weight matrix, not a sequence of rows
        return [as_float_array(weights, func, "weights")]
    if isinstance(weights, Mapping):
        raise TypeError(
            f"{func} expects a sequence of weight arrays such as [W1, W2]; got a "
            f"{type(weights).__name__}. Pass the weights only, e.g. "
            "[params['W1'], params['W2']]: biases are usually not decayed"
        )
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
        raise TypeError(f"{func} expects a sequence of weight arrays such as [W1, W2]; got {type(weights).__name__}")
    return [as_float_array(W, func, f"weights[{i}]") for i, W in enumerate(weights)]


def l2_penalty(weights: Iterable[ArrayLike] | NDArray[np.floating], lam: float) -> float:
    """L2 weight-decay penalty.

    Parameters
    ----------
    weights : sequence of ndarray, any shapes, or a single ndarray
        The weight matrices to penalise, e.g. [W1, W2, W3].
    lam : float
        Strength lambda, >= 0.

    Returns
    -------
    float
        0.5 * lam * sum over W of sum(W ** 2). The 0.5 makes the gradient
        lam * W.
    """
    strength = _strength(lam, "l2_penalty")
    arrays = _weight_arrays(weights, "l2_penalty")
    return 0.5 * strength * sum(float(np.sum(W**2)) for W in arrays)


def l2_grad(W: ArrayLike, lam: float) -> NDArray[np.floating]:
    """Gradient of the L2 penalty with respect to one weight matrix.

    Parameters
    ----------
    W : array_like, any shape, real
        Weights.
    lam : float
        Strength lambda, >= 0.

    Returns
    -------
    ndarray, shape of W, float
        lam * W.
    """
    return _strength(lam, "l2_grad") * as_float_array(W, "l2_grad", "W")


def l1_penalty(weights: Iterable[ArrayLike] | NDArray[np.floating], lam: float) -> float:
    """L1 weight-decay penalty.

    Parameters
    ----------
    weights : sequence of ndarray, any shapes, or a single ndarray
        The weight matrices to penalise, e.g. [W1, W2, W3].
    lam : float
        Strength lambda, >= 0.

    Returns
    -------
    float
        lam * sum over W of sum(abs(W)).
    """
    strength = _strength(lam, "l1_penalty")
    arrays = _weight_arrays(weights, "l1_penalty")
    return strength * sum(float(np.sum(np.abs(W))) for W in arrays)


def l1_grad(W: ArrayLike, lam: float) -> NDArray[np.floating]:
    """(Sub)gradient of the L1 penalty with respect to one weight matrix.

    Parameters
    ----------
    W : array_like, any shape, real
        Weights.
    lam : float
        Strength lambda, >= 0.

    Returns
    -------
    ndarray, shape of W, float
        lam * sign(W); 0 where W == 0, where |W| has no derivative.
    """
    return _strength(lam, "l1_grad") * np.sign(as_float_array(W, "l1_grad", "W"))
