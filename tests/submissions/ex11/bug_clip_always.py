# expect: clip_grads
# hint: multiply only when rate < 1
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    for grad in grads:
        grad *= rate  # also scales small gradients up
