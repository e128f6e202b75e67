# expect: clip_grads
# hint: norm = np.sqrt(sum(np.sum(g ** 2) for g in grads)); rate = max_norm / (norm + 1e-6)
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = 0.0
    for grad in grads:
        total_norm += np.sum(grad) ** 2  # the square of each sum, not the sum of the squares
    total_norm = np.sqrt(total_norm)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
