# expect: mean_squared_error
import numpy as np


def mean_squared_error(d, y):
    return 0.5 * np.sum((y - d) ** 2)
