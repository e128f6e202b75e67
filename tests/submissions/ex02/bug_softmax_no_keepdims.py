# expect: softmax
# hint: keepdims keeps the (N, 1) shape that broadcasts against (N, K)
import numpy as np


def softmax(x):
    # (N,) does not broadcast against (N, K)
    e = np.exp(x - np.max(x, axis=-1))
    return e / np.sum(e, axis=-1)
