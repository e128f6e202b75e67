# expect: step_function
# hint: x > 0 gives booleans
import numpy as np


def step_function(x):
    return np.asarray(x) > 0
