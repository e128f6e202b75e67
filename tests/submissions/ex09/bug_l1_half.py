# expect: l1_penalty
import numpy as np


def l1_penalty(weights, lam):
    return 0.5 * lam * sum(np.sum(np.abs(W)) for W in weights)
