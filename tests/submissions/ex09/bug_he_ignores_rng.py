# expect: he_init
# A generator seeded once inside the function, for reproducibility, replaces the rng passed in:
# every call, whatever its seed, gives the same weights.
# hint: your function seems to make its own generator with a fixed seed; use the rng argument
import numpy as np


def he_init(n_in, n_out, rng=None):
    rng = np.random.default_rng(42)
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
