# expect: backward
# hint: d may be integer labels (N,): turn them into one-hot
import numpy as np


def backward(network, x, d, z1, y):
    du2 = (y - d) / x.shape[0]
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    return {
        "W1": x.T @ du1,
        "b1": np.sum(du1, axis=0),
        "W2": z1.T @ du2,
        "b2": np.sum(du2, axis=0),
    }
