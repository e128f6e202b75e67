# expect: cross_entropy_error
# hint: you summed over the batch: divide by the batch size N
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    return float(-np.sum(d * np.log(y + 1e-7)))
