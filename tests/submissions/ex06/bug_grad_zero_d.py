# expect: numerical_gradient
# x seen as a batch of rows, x.reshape(x.shape[0], -1): every shape works except a 0-d x, which has no
# shape[0] (IndexError: tuple index out of range).
# hint: a 0-d x (shape ()) has no rows or first axis
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    rows = x.reshape(x.shape[0], -1)  # a view of x: moving rows[i, j] moves x
    grad = np.zeros(rows.shape)
    for i in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            tmp = rows[i, j]
            rows[i, j] = tmp + h
            f_plus = f(x)
            rows[i, j] = tmp - h
            f_minus = f(x)
            rows[i, j] = tmp
            grad[i, j] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)
