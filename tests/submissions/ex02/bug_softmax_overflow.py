# expect: softmax
import numpy as np


def softmax(x):
    # no max subtracted: exp(1000) overflows to inf, inf / inf is nan
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
