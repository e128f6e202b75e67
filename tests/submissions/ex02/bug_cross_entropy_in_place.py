# expect: cross_entropy_error
# hint: `y += 1e-7` and `y[y == 0] = 1e-7` write into the argument itself
import numpy as np


def cross_entropy_error(d, y):
    y += 1e-7  # changes the caller's array
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    return float(-np.sum(d * np.log(y)) / y.shape[0])
