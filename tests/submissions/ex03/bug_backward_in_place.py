# expect: backward
# hint: the values are right, but backward changed an argument the caller still needs
import numpy as np


def backward(network, x, d, z1, y):
    if d.shape != y.shape:
        d = np.eye(y.shape[1])[d]
    du2 = y  # no copy: the next two lines write into the caller's y
    du2 -= d
    du2 /= x.shape[0]
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    return {"W1": x.T @ du1, "b1": np.sum(du1, axis=0), "W2": z1.T @ du2, "b2": np.sum(du2, axis=0)}
