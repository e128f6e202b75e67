# expect: softmax
# hint: you subtracted each column's max (axis=0)
import numpy as np


def softmax(x):
    # the max taken down the batch: the shift differs within a row and no longer cancels
    e = np.exp(x - np.max(x, axis=0))
    return e / np.sum(e, axis=-1, keepdims=True)
