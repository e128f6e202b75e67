# expect: clip_grads
# hint: take the square root: norm = np.sqrt(sum of the squares)
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = 0.0
    for grad in grads:
        total_norm += np.sum(grad**2)  # the squared norm, never rooted
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
