# expect: backward
# hint: z1 * (1 - z1) is the sigmoid's derivative; this hidden layer is a ReLU
import numpy as np


def backward(network, x, d, z1, y):
    # copied from a sigmoid network: z1 * (1 - z1) is sigmoid's derivative
    du2 = d_softmax_with_loss(d, y)
    du1 = (du2 @ network["W2"].T) * z1 * (1 - z1)
    return {
        "W1": x.T @ du1,
        "b1": np.sum(du1, axis=0),
        "W2": z1.T @ du2,
        "b2": np.sum(du2, axis=0),
    }
