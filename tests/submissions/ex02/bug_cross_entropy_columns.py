# expect: cross_entropy_error
# hint: y[:, d] picks whole columns, an (N, N) array
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    n = y.shape[0]
    if d.shape == y.shape:
        return float(-np.sum(d * np.log(y + 1e-7)) / n)
    # y[:, d] takes whole columns: an (N, N) array
    return float(-np.sum(np.log(y[:, d] + 1e-7)) / n)
