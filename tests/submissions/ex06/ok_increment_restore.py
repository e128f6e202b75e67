# expect: pass
import numpy as np


def numerical_diff(f, x):
    h = 1e-4
    return (f(x + h) - f(x - h)) / (h + h)


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h  # back to where it was, up to an ulp
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
