# expect: clip_grads
# hint: change the arrays themselves: for grad in grads: grad *= rate
import numpy as np


def clip_grads(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(grad**2) for grad in grads))
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for i in range(len(grads)):
            grads[i] = grads[i] * rate  # new arrays in the list; the old ones stay as they were
