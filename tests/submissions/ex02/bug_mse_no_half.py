# expect: mean_squared_error
import numpy as np


def mean_squared_error(d, y):
    return float(np.mean((y - d) ** 2))
