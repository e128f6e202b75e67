# expect: l2_penalty
# hint: you averaged W ** 2 within each matrix
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.mean(W**2) for W in weights)
