# expect: cross_entropy_error
# hint: compare d.shape with y.shape (not d.ndim) to tell it from labels
import numpy as np


def cross_entropy_error(d, y):
    # "1-D d means labels" misreads a single one-hot sample (K,) as K labels
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1)
    n = y.shape[0]
    if d.ndim == 2:
        return float(-np.sum(d * np.log(y + 1e-7)) / n)
    labels = d.astype(int)
    return float(-np.sum(np.log(y[np.arange(n), labels] + 1e-7)) / n)
