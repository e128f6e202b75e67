# expect: l1_penalty
# hint: no factor 0.5 in the L1 penalty
import numpy as np


def l1_penalty(weights, lam):
    return 0.5 * lam * sum(np.sum(np.abs(W)) for W in weights)
