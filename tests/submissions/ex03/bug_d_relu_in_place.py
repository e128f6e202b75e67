# expect: d_relu
# hint: the values are right, but d_relu changed its argument in place; the caller still needs it
import numpy as np


def d_relu(u):
    # reuses u's memory for the slope: the caller's pre-activations are gone
    u[...] = u > 0
    return u
