# expect: xavier_init
# All weights 0: no spread and no kurtosis to judge (the grader once crashed on max() of no finite
# kurtosis). Every check must say that the weights are all the same and why that can not train,
# not blame a fixed seed.
# hint: every weight has the same value 0; they must be random
# hint: make every unit of a layer compute the same output and receive the same gradient
import numpy as np


def xavier_init(n_in, n_out, rng=None):
    return np.zeros((n_in, n_out))
