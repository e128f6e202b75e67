# expect: l1_penalty
# np.abs(np.sum(W)), the absolute value of the sum, instead of the sum of the absolute values.
# hint: add up np.sum(np.abs(W)) over every W in the list, then multiply by lam
import numpy as np


def l1_penalty(weights, lam):
    return lam * sum(np.abs(np.sum(W)) for W in weights)
