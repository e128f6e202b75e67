# expect: l2_penalty
# hint: only the last matrix counts: the loop overwrites the total
import numpy as np


def l2_penalty(weights, lam):
    total = 0.0
    for W in weights:
        total = np.sum(W**2)  # = instead of +=
    return 0.5 * lam * total
