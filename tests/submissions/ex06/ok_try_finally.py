# expect: pass
import numpy as np


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x, dtype=float)
    with np.nditer(x, flags=["multi_index"]) as it:
        for _ in it:
            idx = it.multi_index
            original = x[idx].copy()
            try:
                x[idx] = original + h
                f_plus = f(x)
                x[idx] = original - h
                f_minus = f(x)
            finally:
                x[idx] = original
            grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
