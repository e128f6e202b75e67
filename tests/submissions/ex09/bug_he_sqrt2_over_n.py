# expect: he_init
# std sqrt(2) / n_in.
# hint: your std is sqrt(2) / n_in: divide by sqrt(n_in), not by n_in
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(2.0) / n_in, size=(n_in, n_out))
