# expect: d_softmax_with_loss
# hint: the loss is a mean over the batch: divide y - onehot(d) by N = y.shape[0]
import numpy as np


def d_softmax_with_loss(d, y):
    d = np.asarray(d)
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    return y - d
