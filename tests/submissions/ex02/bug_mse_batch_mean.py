# expect: mean_squared_error
# hint: you divided by the batch size N = 3 only
import numpy as np


def mean_squared_error(d, y):
    # divides by the batch size only, not by every element
    return 0.5 * np.sum((y - d) ** 2) / y.shape[0] if y.ndim == 2 else 0.5 * np.mean((y - d) ** 2)
