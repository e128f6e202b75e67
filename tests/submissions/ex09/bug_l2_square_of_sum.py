# expect: l2_penalty
# np.sum(W) ** 2, the square of the sum, instead of np.sum(W ** 2), the sum of the squares.
# hint: add up np.sum(W ** 2) over every W in the list, then multiply once by 0.5 * lam
import numpy as np


def l2_penalty(weights, lam):
    total = 0.0
    for W in weights:
        total += np.sum(W) ** 2
    return 0.5 * lam * total
