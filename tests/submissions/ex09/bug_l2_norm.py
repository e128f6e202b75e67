# expect: l2_penalty
# The norm instead of its square.
# hint: you took the norm sqrt(sum(W ** 2))
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.sqrt(np.sum(W**2)) for W in weights)
