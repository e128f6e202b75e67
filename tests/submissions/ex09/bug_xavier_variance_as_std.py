# expect: xavier_init
# std 1 / n_in: the variance taken for the standard deviation.
# hint: your std is 1 / n_in: the variance is 1 / n_in
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, 1.0 / n_in, size=(n_in, n_out))
