# expect: xavier_init
# Glorot's normal initialiser, std sqrt(2 / (n_in + n_out)).
# hint: std sqrt(2 / (n_in + n_out)) is Glorot's original variant
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))
