# expect: backward
# hint: the gradient went through every hidden unit, as if there were no ReLU
import numpy as np


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    du1 = du2 @ network["W2"].T
    return {
        "W1": x.T @ du1,
        "b1": np.sum(du1, axis=0),
        "W2": z1.T @ du2,
        "b2": np.sum(du2, axis=0),
    }
