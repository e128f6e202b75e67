# expect: cross_entropy_error
# hint: you divided by the number of elements N * K: the mean is over the N samples only
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    # np.mean averages over every element, classes included
    return float(np.mean(-d * np.log(y + 1e-7)))
