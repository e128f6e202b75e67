# expect: numerical_gradient
# hint: the gradient must have x's shape (2, 3), got (6,)
# hint: create it with grad = np.zeros_like(x) and fill grad[idx]
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.size)
    for i in range(x.size):
        tmp = x.flat[i]
        x.flat[i] = tmp + h
        f_plus = f(x)
        x.flat[i] = tmp - h
        f_minus = f(x)
        x.flat[i] = tmp
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
