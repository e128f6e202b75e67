# expect: he_init
# sqrt(6 / n_in), the bound of He's uniform variant, used as the std of a normal draw.
# hint: draw rng.normal(0.0, sqrt(2 / n_in), size=(n_in, n_out))
import numpy as np


def he_init(n_in, n_out, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, np.sqrt(6.0 / n_in), size=(n_in, n_out))
