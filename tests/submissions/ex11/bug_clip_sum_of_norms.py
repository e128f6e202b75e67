# expect: clip_grads
# hint: not the sum of the arrays' norms
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = sum(np.linalg.norm(grad) for grad in grads)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
