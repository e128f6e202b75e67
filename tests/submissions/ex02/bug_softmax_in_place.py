# expect: softmax
# hint: the caller's x was changed: `x -= np.max(...)` writes into the argument itself
import numpy as np


def softmax(x):
    x -= np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
