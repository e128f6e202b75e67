# expect: clip_grads
# hint: with rate = max_norm / (norm + 1e-6), scale when rate < 1
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate > 1:  # the comparison turned round: large gradients are never clipped
        for grad in grads:
            grad *= rate
