# expect: numerical_gradient
# hint: every x[i] was left at x[i] - h
# hint: for each element x[i]: save tmp = x[i], set x[i] = tmp + h and call f(x)
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        f_plus = f(x)
        x[idx] = tmp - h
        f_minus = f(x)
        grad[idx] = (f_plus - f_minus) / (2 * h)  # x[idx] never put back
    return grad
