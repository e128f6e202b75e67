# expect: numerical_gradient
# hint: x[i] with one index is a whole sub-array of x
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        tmp = x[i].copy()
        x[i] = tmp + h
        f_plus = f(x)
        x[i] = tmp - h
        f_minus = f(x)
        x[i] = tmp
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
