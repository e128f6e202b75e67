# expect: xavier_init
# hint: so that x @ W works for x of shape (N, n_in): size=(n_in, n_out)
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
