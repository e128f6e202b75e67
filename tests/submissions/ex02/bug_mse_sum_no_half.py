# expect: mean_squared_error
# hint: you summed the squares and left out the 1/2
import numpy as np


def mean_squared_error(d, y):
    return float(np.sum((y - d) ** 2))
