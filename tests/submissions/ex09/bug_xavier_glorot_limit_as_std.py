# expect: xavier_init
# Glorot's uniform limit used as a normal std.
# hint: sqrt(6 / (n_in + n_out)) is the limit of Glorot's uniform distribution, not a standard deviation
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(6.0 / (n_in + n_out)), size=(n_in, n_out))
