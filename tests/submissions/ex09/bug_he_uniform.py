# expect: he_init
# hint: e.g. He's uniform variant U(-sqrt(6 / n_in), sqrt(6 / n_in))
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    limit = np.sqrt(6.0 / n_in)  # std sqrt(2 / n_in), but uniform
    return rng.uniform(-limit, limit, size=(n_in, n_out))
