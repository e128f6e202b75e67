# expect: softmax
# hint: the whole batch sums to 1, not each row
import numpy as np


def softmax(x):
    # the book's 1-D version applied to a batch: normalises over every element
    c = np.max(x)
    e = np.exp(x - c)
    return e / np.sum(e)
