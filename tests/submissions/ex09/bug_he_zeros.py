# expect: he_init
# All weights 0: the standard deviation is 0 and the kurtosis undefined (nan).  Found by bench/mutate.py:
# the rng=None check computed max(0.0) of no finite kurtosis and the grader crashed with a TypeError;
# it must say that every weight has the same value.
# hint: every weight has the same value 0; they must be random
# hint: make every unit of a layer compute the same output
import numpy as np


def he_init(n_in, n_out, rng=None):
    return np.zeros((n_in, n_out))
