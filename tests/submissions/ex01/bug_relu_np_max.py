# expect: relu
# hint: np.max(x, 0) is the largest element along axis 0, not relu
import numpy as np


def relu(x):
    return np.max(x, 0)
