# expect: d_relu
# hint: the condition is reversed: the slope is 1 where u > 0
import numpy as np


def d_relu(u):
    # the book's Relu layer keeps mask = (x <= 0) to zero the gradient; used here as the slope itself
    return np.where(u <= 0, 1.0, 0.0)
