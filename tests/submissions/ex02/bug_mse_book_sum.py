# expect: mean_squared_error
# hint: this is the book's 0.5 * sum((y - d) ** 2)
import numpy as np


def mean_squared_error(d, y):
    return 0.5 * np.sum((y - d) ** 2)
