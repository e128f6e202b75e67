# expect: clip_grads
# hint: the 1e-6 is part of the formula
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    if total_norm > max_norm:
        for grad in grads:
            grad *= max_norm / total_norm  # the 1e-6 left out
