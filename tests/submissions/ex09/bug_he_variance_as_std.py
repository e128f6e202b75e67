# expect: he_init
# hint: your std is 2 / n_in, which is the variance
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, 2.0 / n_in, size=(n_in, n_out))
