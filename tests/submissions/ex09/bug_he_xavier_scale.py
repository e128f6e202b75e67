# expect: he_init
# hint: std 1 / sqrt(n_in) is Xavier's; ReLU zeroes half of its inputs
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
