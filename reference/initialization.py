"""Weight initialisation scaled to the layer's fan-in (exercise 9).

Drawing weights with a standard deviation that shrinks like 1/sqrt(n_in)
keeps the variance of a layer's output close to that of its input, so
activations neither vanish nor explode as layers stack up. Xavier (Glorot)
suits sigmoid and tanh; He doubles the variance for ReLU, which zeroes half
of its inputs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._validation import as_generator, as_int

__all__ = ["he_init", "xavier_init"]


def xavier_init(n_in: int, n_out: int, rng: np.random.Generator | None = None) -> NDArray[np.float64]:
    """Xavier initialisation: normal weights with std 1 / sqrt(n_in).

    Parameters
    ----------
    n_in : int
        Fan-in, the number of inputs of the layer, >= 1.
    n_out : int
        Fan-out, the number of units of the layer, >= 1.
    rng : numpy.random.Generator or None, default None
        Source of randomness; None means a fresh np.random.default_rng().

    Returns
    -------
    ndarray, shape (n_in, n_out), float64
        Independent draws from N(0, (1 / sqrt(n_in)) ** 2).
    """
    n_in = as_int(n_in, "xavier_init", "n_in", minimum=1)
    n_out = as_int(n_out, "xavier_init", "n_out", minimum=1)
    generator = as_generator(rng, "xavier_init")
    return generator.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))


def he_init(n_in: int, n_out: int, rng: np.random.Generator | None = None) -> NDArray[np.float64]:
    """He initialisation: normal weights with std sqrt(2 / n_in).

    Parameters
    ----------
    n_in : int
        Fan-in, the number of inputs of the layer, >= 1.
    n_out : int
        Fan-out, the number of units of the layer, >= 1.
    rng : numpy.random.Generator or None, default None
        Source of randomness; None means a fresh np.random.default_rng().

    Returns
    -------
    ndarray, shape (n_in, n_out), float64
        Independent draws from N(0, (sqrt(2 / n_in)) ** 2).
    """
    n_in = as_int(n_in, "he_init", "n_in", minimum=1)
    n_out = as_int(n_out, "he_init", "n_out", minimum=1)
    generator = as_generator(rng, "he_init")
    return generator.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
