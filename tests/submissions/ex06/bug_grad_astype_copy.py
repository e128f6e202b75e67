# expect: numerical_gradient
# hint: your code moves a copy (x.copy(), x.astype(float), np.array(x), x + h * e_i), so f never sees a change
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    x = x.astype(np.float64)  # always a copy: the caller's x never moves
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        f_plus = f(x)
        x[idx] = tmp - h
        f_minus = f(x)
        x[idx] = tmp
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
