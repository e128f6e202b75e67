# expect: d_softmax_with_loss
# hint: the labels were subtracted as numbers; they are class indices
import numpy as np


def d_softmax_with_loss(d, y):
    batch_size = 1 if y.ndim == 1 else y.shape[0]
    if d.shape != y.shape and d.ndim == 1:
        d = d[:, None]  # "make it broadcast"
    return (y - d) / batch_size
