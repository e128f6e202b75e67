# expect: numerical_gradient
# The book's gradient_2d.py: a 2-D x is handled row by row, and f is called on the row, not on x.
# Right for an f that adds up separate terms per row (every polynomial check), wrong for
# f(x) = sum(x)² + ..., whose partial derivatives depend on the other rows; 0-d and 4-D x fail too.
# hint: f was called on a part of x (a row x[i], as the book's gradient_2d.py does
import numpy as np


def _numerical_gradient_no_batch(f, x):
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


def numerical_gradient(f, X):
    if X.ndim == 1:
        return _numerical_gradient_no_batch(f, X)
    grad = np.zeros_like(X)
    for idx, x in enumerate(X):
        grad[idx] = _numerical_gradient_no_batch(f, x)
    return grad
