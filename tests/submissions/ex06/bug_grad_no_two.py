# expect: numerical_gradient
# Divided by h instead of 2 * h.
# hint: twice the derivative: x + h and x - h are 2h apart
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        tmp = x[i]
        x[i] = tmp + h
        f_plus = f(x)
        x[i] = tmp - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / h
        x[i] = tmp
    return grad
