# expect: l2_penalty
# abs(W) in place of W ** 2.
# hint: that is built on abs(W) (L1); the L2 penalty squares the weights
import numpy as np


def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.sum(np.abs(W)) for W in weights)
