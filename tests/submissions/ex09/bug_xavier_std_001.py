# expect: xavier_init
# hint: std 0.01 is the book's fixed weight_init_std
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    weight_init_std = 0.01
    return weight_init_std * rng.standard_normal((n_in, n_out))
