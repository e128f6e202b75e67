# expect: l1_penalty
# abs(W) averaged per matrix.
# hint: you averaged abs(W) within each matrix
import numpy as np


def l1_penalty(weights, lam):
    return lam * sum(np.mean(np.abs(W)) for W in weights)
