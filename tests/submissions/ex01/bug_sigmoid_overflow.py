# expect: sigmoid
# hint: exp(1000) overflows to inf
import numpy as np


def sigmoid(x):
    with np.errstate(over="raise"):
        return 1 / (1 + np.exp(-x))
