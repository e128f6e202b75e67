# expect: d_softmax_with_loss
# hint: changed an argument the caller still needs (y is used again after the loss)
import numpy as np


def d_softmax_with_loss(d, y):
    d = np.asarray(d)
    if y.ndim == 1:
        if d.shape == y.shape:
            return y - d
        y[int(d)] -= 1
        return y
    batch_size = y.shape[0]
    if d.shape == y.shape:
        return (y - d) / batch_size
    # the book's SoftmaxWithLoss copies y first; forgetting it changes the caller's y
    y[np.arange(batch_size), d] -= 1
    return y / batch_size
