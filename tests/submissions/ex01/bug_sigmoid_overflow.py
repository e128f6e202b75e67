# expect: sigmoid
import numpy as np


def sigmoid(x):
    with np.errstate(over="raise"):
        return 1 / (1 + np.exp(-x))
