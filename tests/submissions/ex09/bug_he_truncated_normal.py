# expect: he_init
# Keras's he_normal copied: a normal truncated at 2 std (draws outside are redrawn), its std
# corrected back to sqrt(2 / n_in). The std is right but the distribution has no tails.
# hint: draw from a normal distribution: rng.normal(0.0, sqrt(2 / n_in), size=(n_in, n_out))
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    std = np.sqrt(2.0 / n_in) / 0.87962566103423978  # std of a standard normal truncated at +-2
    W = rng.normal(0.0, std, size=(n_in, n_out))
    outside = np.abs(W) > 2 * std
    while outside.any():
        W[outside] = rng.normal(0.0, std, size=int(outside.sum()))
        outside = np.abs(W) > 2 * std
    return W
