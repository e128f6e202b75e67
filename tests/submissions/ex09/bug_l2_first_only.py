# expect: l2_penalty
# return inside the loop: only the first matrix counts.
# hint: only the first matrix counts: a return inside the loop?
import numpy as np


def l2_penalty(weights, lam):
    for W in weights:
        return 0.5 * lam * np.sum(W**2)
