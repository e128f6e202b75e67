# expect: xavier_init
# hint: draw the weights from the rng you are given
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    # rng is ignored: the global generator can not be reproduced by the caller's seed
    return np.random.randn(n_in, n_out) / np.sqrt(n_in)
