# expect: softmax
# hint: for a 1-D x, axis=-1 is its only axis
import numpy as np


def softmax(x):
    # axis=1 does not exist for a (K,) vector
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)
