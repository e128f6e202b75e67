# expect: l1_penalty
import numpy as np


def l1_penalty(weights, lam):
    return lam * sum(np.sum(W) for W in weights)
