# expect: l2_penalty
# Averaged over every element of every matrix.
# hint: you averaged over all elements; the penalty is a sum, not a mean
import numpy as np


def l2_penalty(weights, lam):
    total = sum(np.sum(W**2) for W in weights)
    return 0.5 * lam * total / sum(W.size for W in weights)
