# expect: l2_penalty
# lam left out.
# hint: lam is missing: multiply by 0.5 * lam
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * sum(np.sum(W**2) for W in weights)
