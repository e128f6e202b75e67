# expect: step_function
import numpy as np


def step_function(x):
    return np.asarray(x) > 0
