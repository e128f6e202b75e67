# expect: numerical_gradient
# x[idx] = tmp is dedented out of the loop, so only the last element is put back;
# every other element stays at tmp - h.
# hint: save tmp = x[i] before moving it and restore x[i] = tmp after the two calls of f
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    x[idx] = tmp
    return grad
