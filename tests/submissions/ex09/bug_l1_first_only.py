# expect: l1_penalty
# Only weights[0] is used.
# hint: only the first matrix counts: sum over every matrix of the list
import numpy as np


def l1_penalty(weights, lam):
    return lam * np.sum(np.abs(weights[0]))
