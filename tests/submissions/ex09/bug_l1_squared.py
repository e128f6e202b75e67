# expect: l1_penalty
# W ** 2 in the L1 penalty.
# hint: you squared the weights (that is L2)
import numpy as np


def l1_penalty(weights, lam):
    return lam * sum(np.sum(W**2) for W in weights)
