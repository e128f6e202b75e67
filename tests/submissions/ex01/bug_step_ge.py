# expect: step_function
import numpy as np


def step_function(x):
    return np.array(np.asarray(x) >= 0, dtype=int)
