# expect: cross_entropy_error
# hint: d of shape (N,) holds the class of each sample, not a one-hot row
# hint: the 0-d label 2 was used as one-hot data
# hint: the labels were multiplied in as if they were one-hot rows
import numpy as np


def cross_entropy_error(d, y):
    # integer labels are not handled
    if y.ndim == 1:
        return float(-np.sum(d * np.log(y + 1e-7)))
    return float(-np.sum(d * np.log(y + 1e-7)) / y.shape[0])
