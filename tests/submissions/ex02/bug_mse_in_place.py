# expect: mean_squared_error
# hint: the values are right, but the caller's array was changed
import numpy as np


def mean_squared_error(d, y):
    y -= d  # saves an array, but changes the caller's y
    return float(0.5 * np.mean(y**2))
