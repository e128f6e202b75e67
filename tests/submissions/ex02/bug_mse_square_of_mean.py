# expect: mean_squared_error
# hint: the loss is np.mean((y - d) ** 2) / 2: the mean over all elements, then halved
import numpy as np


def mean_squared_error(d, y):
    # the square is taken after the mean: positive and negative errors cancel first
    return float(np.mean(y - d) ** 2 / 2)
