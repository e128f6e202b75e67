# expect: cross_entropy_error
# hint: the loss is -sum(d * log(y + 1e-7)) / N with N = y.shape[0] = 5: the mean over the batch
# hint: the same loss with d as one-hot rows of a batch is wrong too, so the mistake is not in reading this form of d
import numpy as np


def cross_entropy_error(d, y):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    # the common logarithm: the cross-entropy uses the natural one, np.log
    return float(-np.sum(d * np.log10(y + 1e-7)) / y.shape[0])
