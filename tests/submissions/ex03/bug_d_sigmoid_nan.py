# expect: d_sigmoid
import numpy as np


def d_sigmoid(u):
    e = np.exp(-u)
    return e / (1 + e) ** 2
