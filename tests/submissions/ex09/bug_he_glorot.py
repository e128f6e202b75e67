# expect: he_init
# Glorot's normal scale in he_init.
# hint: your std is sqrt(2 / (n_in + n_out)), Glorot's; He's is sqrt(2 / n_in)
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))
