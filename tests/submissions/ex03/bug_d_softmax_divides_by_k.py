# expect: d_softmax_with_loss
# hint: the loss is the batch mean of the cross-entropy, so the gradient is (y - onehot(d)) / N with N the batch size
import numpy as np


def d_softmax_with_loss(d, y):
    if d.shape != y.shape:
        d = np.eye(y.shape[-1])[d]
    # the number of classes taken for the batch size
    return (y - d) / y.shape[-1] if y.ndim == 2 else y - d
