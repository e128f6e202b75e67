# expect: l1_penalty
# hint: abs is missing: positive and negative weights cancel
import numpy as np


def l1_penalty(weights, lam):
    return lam * sum(np.sum(W) for W in weights)
