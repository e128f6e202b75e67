# expect: softmax
# hint: exp() overflows to inf above about 709, and inf / inf is nan: subtract each row's max
import numpy as np


def softmax(x):
    # one shift for the whole batch, by its smallest score: every exponent is >= 0
    e = np.exp(x - np.min(x))
    return e / np.sum(e, axis=-1, keepdims=True)
