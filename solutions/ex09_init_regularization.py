"""Worked solution, exercise 9: weight initialisation and weight decay.

模範解答 課題 9：重みの初期値と荷重減衰
"""

from __future__ import annotations

import numpy as np


def xavier_init(
    n_in: int, n_out: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Return (n_in, n_out) normal weights with std 1 / sqrt(n_in).

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator or None
        Random source; None means np.random.default_rng().

    Returns
    -------
    ndarray of float, shape (n_in, n_out)
        Xavier initial weights.
    """
    if rng is None:
        rng = np.random.default_rng()
    # keeps the variance of the pre-activations about 1 for sigmoid / tanh
    std = 1.0 / np.sqrt(n_in)
    return rng.normal(0.0, std, size=(n_in, n_out))


def he_init(
    n_in: int, n_out: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Return (n_in, n_out) normal weights with std sqrt(2 / n_in).

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator or None
        Random source; None means np.random.default_rng().

    Returns
    -------
    ndarray of float, shape (n_in, n_out)
        He initial weights.
    """
    if rng is None:
        rng = np.random.default_rng()
    # ReLU zeroes half of its inputs, so twice the variance of Xavier
    std = np.sqrt(2.0 / n_in)
    return rng.normal(0.0, std, size=(n_in, n_out))


def l2_penalty(weights: list[np.ndarray], lam: float) -> float:
    """Return 0.5 * lam * sum over the matrices of sum(W ** 2).

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices.
    lam : float
        Penalty strength.

    Returns
    -------
    float
        L2 penalty.
    """
    return float(0.5 * lam * sum(np.sum(W**2) for W in weights))


def l2_grad(W: np.ndarray, lam: float) -> np.ndarray:
    """Return lam * W, the gradient of the L2 penalty.

    Parameters
    ----------
    W : ndarray of float
        One weight matrix.
    lam : float
        Penalty strength.

    Returns
    -------
    ndarray of float, same shape as W
        Gradient of the penalty with respect to W.
    """
    return lam * np.asarray(W, dtype=float)


def l1_penalty(weights: list[np.ndarray], lam: float) -> float:
    """Return lam * sum over the matrices of sum(abs(W)).

    Parameters
    ----------
    weights : list of ndarray
        Weight matrices.
    lam : float
        Penalty strength.

    Returns
    -------
    float
        L1 penalty.
    """
    return float(lam * sum(np.sum(np.abs(W)) for W in weights))


def l1_grad(W: np.ndarray, lam: float) -> np.ndarray:
    """Return lam * sign(W), a subgradient of the L1 penalty (0 at W = 0).

    Parameters
    ----------
    W : ndarray of float
        One weight matrix.
    lam : float
        Penalty strength.

    Returns
    -------
    ndarray of float, same shape as W
        Subgradient of the penalty with respect to W.
    """
    return lam * np.sign(np.asarray(W, dtype=float))
