# expect: numerical_gradient
# f(x + h) - f(x - h) moves every element at once; each element gets the same value.
# hint: every element got the same value: x + h moves all elements at once
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        grad[i] = (f(x + h) - f(x - h)) / (2 * h)
    return grad
