# expect: cross_entropy_error
# hint: in every branch (one-hot and labels)
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    n = y.shape[0]
    if d.shape == y.shape:
        return float(-np.sum(d * np.log(y + 1e-7)) / n)
    # the 1e-7 was forgotten in the labels branch
    return float(-np.sum(np.log(y[np.arange(n), d])) / n)
