# expect: cross_entropy_error
import numpy as np


def cross_entropy_error(d, y):
    # integer labels are not handled
    if y.ndim == 1:
        return float(-np.sum(d * np.log(y + 1e-7)))
    return float(-np.sum(d * np.log(y + 1e-7)) / y.shape[0])
