# expect: numerical_gradient
# The backward difference (f(x) - f(x - h)) / h.
# hint: that is the backward difference (f(x) - f(x - h)) / h
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        tmp = x[i]
        f_here = f(x)
        x[i] = tmp - h
        f_minus = f(x)
        grad[i] = (f_here - f_minus) / h
        x[i] = tmp
    return grad
