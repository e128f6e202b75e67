# expect: softmax
# hint: exp(1000) overflows to inf and inf / inf is nan; subtracting the max first
import numpy as np


def softmax(x):
    # no max subtracted: exp(1000) overflows to inf, inf / inf is nan
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)
