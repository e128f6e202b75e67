# expect: l2_penalty
# lam applied twice.
# hint: lam is applied twice
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(lam * np.sum(W**2) for W in weights)
