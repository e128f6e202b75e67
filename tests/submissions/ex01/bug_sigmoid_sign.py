# expect: sigmoid
# hint: the sign in the exponent is flipped: it is exp(-x)
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(x))
