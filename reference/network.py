"""The three-layer forward pass of exercise 1.

With sigmoid hidden layers and the identity at the output:

    a1 = x @ W1 + b1    z1 = sigmoid(a1)
    a2 = z1 @ W2 + b2   z2 = sigmoid(a2)
    a3 = z2 @ W3 + b3   y  = identity_function(a3)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_ndim
from .activations import identity_function, sigmoid

__all__ = ["forward"]

_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def forward(network: Mapping[str, ArrayLike], x: ArrayLike) -> NDArray[np.floating]:
    """Forward pass of a three-layer network with sigmoid hidden layers.

    Parameters
    ----------
    network : dict of str to ndarray
        W1 (D, H1), b1 (H1,), W2 (H1, H2), b2 (H2,), W3 (H2, M), b3 (M,).
    x : array_like, shape (D,) or (N, D), real
        One sample or a batch of N samples with D features.

    Returns
    -------
    ndarray, shape (M,) or (N, M), float
        y = identity(sigmoid(sigmoid(x @ W1 + b1) @ W2 + b2) @ W3 + b3).
    """
    missing = [key for key in _KEYS if key not in network]
    if missing:
        raise ValueError(f"forward expects network to hold {', '.join(_KEYS)}; missing {', '.join(missing)}")
    z = as_float_array(x, "forward", "x")
    check_ndim(z, (1, 2), "forward", "x", "(D,) or (N, D)")

    layers = []
    fan_in, source = z.shape[-1], "features of x"
    for i in (1, 2, 3):
        W = as_float_array(network[f"W{i}"], "forward", f"W{i}")
        b = as_float_array(network[f"b{i}"], "forward", f"b{i}")
        if W.ndim != 2 or W.shape[0] != fan_in:
            raise ValueError(
                f"forward expects W{i} of shape ({fan_in}, M) to take the {fan_in} {source}; got {W.shape}"
            )
        if b.shape != (W.shape[1],):
            raise ValueError(f"forward expects b{i} of shape ({W.shape[1]},) to match W{i} {W.shape}; got {b.shape}")
        layers.append((W, b))
        fan_in, source = W.shape[1], f"outputs of layer {i}"

    (W1, b1), (W2, b2), (W3, b3) = layers
    z1 = sigmoid(z @ W1 + b1)
    z2 = sigmoid(z1 @ W2 + b2)
    return identity_function(z2 @ W3 + b3)
