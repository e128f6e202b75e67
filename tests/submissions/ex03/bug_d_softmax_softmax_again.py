# expect: d_softmax_with_loss
# hint: y is already the softmax output, softmax(u): subtract d from y itself
import numpy as np


def d_softmax_with_loss(d, y):
    batch_size = 1 if y.ndim == 1 else y.shape[0]
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    # treats y as the scores u and applies softmax to it
    e = np.exp(y - np.max(y, axis=-1, keepdims=True))
    p = e / np.sum(e, axis=-1, keepdims=True)
    return (p - d) / batch_size
