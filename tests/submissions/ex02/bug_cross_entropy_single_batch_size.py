# expect: cross_entropy_error
# hint: you divided by K: a single (K,) sample is a batch of N = 1
import numpy as np


def cross_entropy_error(d, y):
    # a (K,) y is not reshaped, so y.shape[0] is K, not 1
    batch_size = y.shape[0]
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    return float(-np.sum(d * np.log(y + 1e-7)) / batch_size)
