# expect: l2_penalty
# hint: the arrays of the list have different shapes
import numpy as np


def l2_penalty(weights, lam):
    # arrays of different shapes can not be stacked into one array
    return 0.5 * lam * np.sum(np.array(weights) ** 2)
