# expect: d_softmax_with_loss
# hint: the arguments are the wrong way round: your function gives the right gradient when called as d_softmax_with_loss(y, d)
import numpy as np


def d_softmax_with_loss(y, t):
    # SoftmaxWithLoss.backward of the book, with its (y, t) order: output first, teacher second
    batch_size = y.shape[0] if y.ndim == 2 else 1
    if t.size == y.size:
        dx = (y - t) / batch_size
    else:
        dx = y.copy()
        if dx.ndim == 1:
            dx[t] -= 1
        else:
            dx[np.arange(batch_size), t] -= 1
        dx = dx / batch_size
    return dx
