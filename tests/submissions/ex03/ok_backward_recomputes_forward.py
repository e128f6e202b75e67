# expect: pass
import numpy as np


def backward(network, x, d, z1, y):
    # the forward pass again instead of trusting z1 and y: right when it mirrors the forward
    # pass exactly (the mask of u1 = x @ W1 + b1, softmax shifted by each row's max)
    W1, b1, W2, b2 = network["W1"], network["b1"], network["W2"], network["b2"]
    u1 = x @ W1 + b1
    hidden = np.maximum(0, u1)
    u2 = hidden @ W2 + b2
    e = np.exp(u2 - u2.max(axis=1, keepdims=True))
    out = e / e.sum(axis=1, keepdims=True)
    du2 = d_softmax_with_loss(d, out)
    du1 = (du2 @ W2.T) * (u1 > 0)
    return {"W1": x.T @ du1, "b1": du1.sum(axis=0), "W2": hidden.T @ du2, "b2": du2.sum(axis=0)}
