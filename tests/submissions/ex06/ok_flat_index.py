# expect: pass
import numpy as np

H = 1e-4


def numerical_diff(f, x):
    forward = f(x + H)
    backward = f(x - H)
    return float(forward - backward) / (2.0 * H)


def numerical_gradient(f, x):
    grad = np.empty_like(x, dtype=np.float64)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + H
        upper = f(x)
        x.flat[i] = saved - H
        lower = f(x)
        x.flat[i] = saved
        grad.flat[i] = (upper - lower) / (2 * H)
    return grad
