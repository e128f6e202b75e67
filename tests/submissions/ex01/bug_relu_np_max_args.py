# expect: relu
# hint: np.max(0, x) reads x as an axis number; the elementwise maximum is np.maximum(0, x)
import numpy as np


def relu(x):
    return np.max(0, x)
