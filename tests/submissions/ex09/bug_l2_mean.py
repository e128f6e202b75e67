# expect: l2_penalty
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.mean(W**2) for W in weights)
