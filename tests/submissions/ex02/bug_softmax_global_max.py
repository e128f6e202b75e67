# expect: softmax
# hint: with one max for the whole batch (1010 here), a row of -1000s becomes exp(-2000) = 0
import numpy as np


def softmax(x):
    # one max for the whole batch: rows far below it underflow to 0 / 0
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)
