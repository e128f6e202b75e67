# expect: l2_penalty
# hint: your function changed the caller's weights
import numpy as np


def l2_penalty(weights, lam):
    total = 0.0
    for W in weights:
        W **= 2  # squares the caller's weights
        total += np.sum(W)
    return 0.5 * lam * total
