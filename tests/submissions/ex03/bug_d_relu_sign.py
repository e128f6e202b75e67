# expect: d_relu
# hint: ReLU's slope is 1 where it passes u through (u > 0) and 0 where it outputs 0
import numpy as np


def d_relu(u):
    # the slope of |u|, not of ReLU
    return np.sign(u).astype(float)
