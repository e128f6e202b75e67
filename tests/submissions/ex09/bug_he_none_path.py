# expect: he_init
# hint: with rng=None draw exactly as with a given generator
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        # a different recipe when no generator is given
        return 0.01 * np.random.randn(n_in, n_out)
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
