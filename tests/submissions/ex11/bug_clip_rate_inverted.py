# expect: clip_grads
# hint: the factor is rate = max_norm / (norm + 1e-6), which is below 1 when the norm is too large
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = (total_norm + 1e-6) / max_norm  # the fraction upside down
    if rate > 1:
        for grad in grads:
            grad *= rate
