# expect: d_sigmoid
# hint: the values are right, but d_sigmoid changed its argument in place; the caller still needs it
import numpy as np


def d_sigmoid(u):
    # computes in u's own memory to save an array: the caller's pre-activations are overwritten
    np.negative(u, out=u)
    np.exp(u, out=u)
    u += 1.0
    np.reciprocal(u, out=u)
    return u * (1.0 - u)
