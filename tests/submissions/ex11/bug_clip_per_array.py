# expect: clip_grads
# hint: each array was clipped by its own norm
import numpy as np


def clip_grads(grads, max_norm):
    for grad in grads:
        rate = max_norm / (np.sqrt(np.sum(grad**2)) + 1e-6)
        if rate < 1:
            grad *= rate
