# expect: cross_entropy_error
# hint: the sign is flipped: the loss is -sum(d * log(y + 1e-7)), positive because log(y) <= 0
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    # the minus sign of the formula is missing
    return float(np.sum(d * np.log(y + 1e-7)) / y.shape[0])
