# expect: d_softmax_with_loss
# hint: for one sample of shape (K,), y.shape[0] is K, not a batch size
import numpy as np


def d_softmax_with_loss(d, y):
    d = np.asarray(d)
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    batch_size = y.shape[0]  # K, not N, for a single (K,) sample
    return (y - d) / batch_size
