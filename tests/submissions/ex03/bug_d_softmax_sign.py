# expect: d_softmax_with_loss
# hint: the sign is flipped: the gradient is y - d (prediction minus teacher)
# hint: the same call with d as one-hot rows is wrong too, so the mistake is not in reading labels
import numpy as np


def d_softmax_with_loss(d, y):
    batch_size = 1 if y.ndim == 1 else y.shape[0]
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    return (d - y) / batch_size
