# expect: he_init
# The book's weight_init_std = 0.01.
# hint: std 0.01 is the book's fixed weight_init_std
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return 0.01 * rng.standard_normal((n_in, n_out))
