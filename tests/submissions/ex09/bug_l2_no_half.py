# expect: l2_penalty
# hint: the factor 0.5 is missing
import numpy as np


def l2_penalty(weights, lam):
    return lam * sum(np.sum(W**2) for W in weights)
