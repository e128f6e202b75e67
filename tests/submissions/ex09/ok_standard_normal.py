# expect: pass
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    rng = rng or np.random.default_rng()
    return rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)


def he_init(n_in, n_out, rng=None):
    rng = rng or np.random.default_rng()
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
