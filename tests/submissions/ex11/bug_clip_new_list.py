# expect: clip_grads
# hint: a new list, grads = [...] or grads[i] = grads[i] * rate leave the arrays the caller holds unchanged
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        grads = [grad * rate for grad in grads]  # rebinds the local name only
    return grads
