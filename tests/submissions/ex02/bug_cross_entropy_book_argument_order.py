# expect: cross_entropy_error
# hint: the arguments are the wrong way round: your function gives the right loss when called as cross_entropy_error(y, d)
import numpy as np


# Deep Learning from Scratch, common/functions.py, as printed: the output y comes first
def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    # one-hot teacher data becomes the index of the right class
    if t.size == y.size:
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size
