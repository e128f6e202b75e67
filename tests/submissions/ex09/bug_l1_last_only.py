# expect: l1_penalty
# The loop overwrites the total.
# hint: only the last matrix counts: the loop overwrites the total
import numpy as np


def l1_penalty(weights, lam):
    total = 0.0
    for W in weights:
        total = np.sum(np.abs(W))
    return lam * total
