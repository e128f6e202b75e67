# expect: xavier_init
# standard_normal without the scale.
# hint: your weights have std 1: standard_normal draws N(0, 1)
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.standard_normal((n_in, n_out))
