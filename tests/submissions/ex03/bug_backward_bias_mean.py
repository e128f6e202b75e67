# expect: backward
# hint: the bias gradient is the SUM of du over the batch axis
import numpy as np


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    return {
        "W1": x.T @ du1,
        "b1": np.mean(du1, axis=0),
        "W2": z1.T @ du2,
        "b2": np.mean(du2, axis=0),
    }
