# expect: xavier_init
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    weight_init_std = 0.01
    return weight_init_std * rng.standard_normal((n_in, n_out))
