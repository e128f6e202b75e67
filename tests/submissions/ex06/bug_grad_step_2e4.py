# expect: numerical_gradient
# h = 2e-4 in numerical_gradient (numerical_diff keeps 1e-4): on a cubic the error c3 * h² is still
# below the accuracy checks' tolerance; the sum of x³ at 0 gives h² itself.
# hint: so your h is about 0.0002
# hint: use h = 1e-4, as numerical_diff does
import numpy as np


def numerical_gradient(f, x):
    h = 2e-4
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
