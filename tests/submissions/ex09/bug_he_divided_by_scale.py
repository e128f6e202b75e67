# expect: he_init
# Divided by the scale instead of multiplying.
# hint: your std is sqrt(n_in / 2): you divided by sqrt(2 / n_in)
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.standard_normal((n_in, n_out)) / np.sqrt(2.0 / n_in)
