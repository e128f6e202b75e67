# expect: softmax
# hint: you subtracted the row's min: then the largest exponent is max - min, 805 in the first row
import numpy as np


def softmax(x):
    # shifting by the row's minimum also cancels, but the largest exponent becomes max - min
    e = np.exp(x - np.min(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
