# expect: numerical_gradient
# hint: a 0-d x (shape ()) has no rows or first axis
import numpy as np


def numerical_gradient(f, x):
    # the book's _numerical_gradient_no_batch: right for 1-D x only
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad
