# expect: numerical_gradient
# The minus side is evaluated first and x[idx] is never put back, so it stays at tmp + h.
# hint: every x[i] was left at x[i] + h
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp - h
        fxh2 = f(x)
        x[idx] = tmp + h
        fxh1 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad
