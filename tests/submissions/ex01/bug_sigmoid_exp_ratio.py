# expect: sigmoid
# hint: exp(1000) overflows to inf; use a form that never exponentiates a large positive number
import numpy as np


def sigmoid(x):
    # the same function as 1 / (1 + exp(-x)), but exp(1000) / (1 + exp(1000)) is inf / inf = nan
    e = np.exp(x)
    return e / (1 + e)
