# expect: l1_penalty
# lam left out.
# hint: lam is missing: multiply by lam
import numpy as np


def l1_penalty(weights, lam):
    return sum(np.sum(np.abs(W)) for W in weights)
