# expect: xavier_init
# Uniform on [-1/sqrt(n_in), 1/sqrt(n_in)].
# hint: that is a uniform distribution on [-1/sqrt(n_in), 1/sqrt(n_in)], whose std is only 1 / sqrt(3 n_in)
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.uniform(-1.0, 1.0, size=(n_in, n_out)) / np.sqrt(n_in)
