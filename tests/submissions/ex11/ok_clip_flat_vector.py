# expect: pass
import numpy as np


def clip_grads(grads, max_norm):
    # all gradients as one long vector; min(1, rate) leaves small ones exactly as they are
    flat = np.concatenate([np.ravel(grad) for grad in grads])
    rate = min(1.0, max_norm / (np.linalg.norm(flat) + 1e-6))
    for grad in grads:
        np.multiply(grad, rate, out=grad)
