# expect: backward
# hint: every gradient is N times too large
import numpy as np


def backward(network, x, d, z1, y):
    if d.ndim == 1:
        d = np.eye(y.shape[1])[d]
    du2 = y - d
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    return {
        "W1": x.T @ du1,
        "b1": np.sum(du1, axis=0),
        "W2": z1.T @ du2,
        "b2": np.sum(du2, axis=0),
    }
