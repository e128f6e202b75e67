# expect: d_softmax_with_loss
# hint: divide by the batch size N = y.shape[0], not by y.size
import numpy as np


def d_softmax_with_loss(d, y):
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    # the mean over every element, as for the squared error
    return (y - d) / y.size
