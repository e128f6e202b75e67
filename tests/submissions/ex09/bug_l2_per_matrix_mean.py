# expect: l2_penalty
# Divided by the number of matrices.
# hint: you divided by the number of matrices
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.sum(W**2) for W in weights) / len(weights)
