# expect: he_init
# hint: the weights must be centred at 0: rng.random and np.random.rand draw from [0, 1)
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.random((n_in, n_out)) * np.sqrt(2.0 / n_in)
