# expect: backward
# hint: transposed: dW1 = x.T @ du1, which is (4, N) @ (N, 6)
# hint: transposed: dW2 = z1.T @ du2
import numpy as np


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    return {
        "W1": du1.T @ x,
        "b1": np.sum(du1, axis=0),
        "W2": du2.T @ z1,
        "b2": np.sum(du2, axis=0),
    }
