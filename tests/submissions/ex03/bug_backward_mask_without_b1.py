# expect: backward
# hint: the ReLU mask ignores b1
import numpy as np


def backward(network, x, d, z1, y):
    W1, W2 = network["W1"], network["W2"]
    du2 = d_softmax_with_loss(d, y)
    grad_W2 = z1.T @ du2
    grad_b2 = np.sum(du2, axis=0)
    # the mask is recomputed from x @ W1, leaving out b1
    du1 = (du2 @ W2.T) * d_relu(x @ W1)
    return {"W1": x.T @ du1, "b1": np.sum(du1, axis=0), "W2": grad_W2, "b2": grad_b2}
