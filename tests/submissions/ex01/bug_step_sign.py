# expect: step_function
# hint: np.sign gives -1 for negative x
import numpy as np


def step_function(x):
    # np.sign is 1 for positive x and 0 at 0, but -1 below it
    return np.sign(x).astype(np.int64)
