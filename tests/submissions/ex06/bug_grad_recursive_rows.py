# expect: numerical_gradient
# Any shape by recursion: numerical_gradient calls itself on each x[i] until x is 1-D, so f only ever
# sees one row. Every separable f passes; f(x) = sum(x)² + ... does not.
# hint: f was called on a part of x
# hint: here f couples every element (sum(x)²)
import numpy as np


def numerical_gradient(f, x):
    if x.ndim > 1:
        return np.array([numerical_gradient(f, row) for row in x])
    h = 1e-4
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        tmp = x[i]
        x[i] = tmp + h
        f_plus = f(x)
        x[i] = tmp - h
        f_minus = f(x)
        x[i] = tmp
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad
