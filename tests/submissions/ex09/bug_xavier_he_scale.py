# expect: xavier_init
# He's scale in xavier_init.
# hint: std sqrt(2 / n_in) is He's scale, for ReLU; Xavier's is 1 / sqrt(n_in)
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
