# expect: mean_squared_error
# hint: the 1/2 is missing
import numpy as np


def mean_squared_error(d, y):
    return float(np.mean((y - d) ** 2))
