# expect: xavier_init
# std 1 / sqrt(n_in + n_out).
# hint: your std is 1 / sqrt(n_in + n_out); Xavier's std is 1 / sqrt(n_in)
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, 1.0 / np.sqrt(n_in + n_out), size=(n_in, n_out))
