# expect: softmax
# hint: you subtracted the row's mean
import numpy as np


def softmax(x):
    # centring each row keeps the exponents small only while max - mean stays below 709
    e = np.exp(x - np.mean(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
