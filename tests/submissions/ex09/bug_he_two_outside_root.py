# expect: he_init
# std 2 / sqrt(n_in).
# hint: your std is 2 / sqrt(n_in): the 2 belongs inside the square root
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, 2.0 / np.sqrt(n_in), size=(n_in, n_out))
