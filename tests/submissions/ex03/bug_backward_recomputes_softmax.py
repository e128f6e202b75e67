# expect: backward
# hint: a gradient came back with nan or inf: y, the softmax of u2, is an argument of backward
import numpy as np


def backward(network, x, d, z1, y):
    W1, b1, W2, b2 = network["W1"], network["b1"], network["W2"], network["b2"]
    # the forward pass again, with softmax written without the max shift
    u2 = z1 @ W2 + b2
    e = np.exp(u2)
    out = e / np.sum(e, axis=1, keepdims=True)
    du2 = d_softmax_with_loss(d, out)
    du1 = (du2 @ W2.T) * d_relu(x @ W1 + b1)
    return {"W1": x.T @ du1, "b1": np.sum(du1, axis=0), "W2": z1.T @ du2, "b2": np.sum(du2, axis=0)}
