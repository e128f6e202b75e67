# expect: xavier_init
# hint: a fixed seed there gives every layer of a network the same weights
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    return rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out))
