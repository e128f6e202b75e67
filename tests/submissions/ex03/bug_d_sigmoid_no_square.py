# expect: d_sigmoid
# hint: u is the sigmoid's input: compute s = sigmoid(u) first, then s * (1 - s)
import numpy as np


def d_sigmoid(u):
    # the quotient rule with the square of the denominator forgotten
    e = np.exp(-u)
    return e / (1 + e)
