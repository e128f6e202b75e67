# expect: step_function
# hint: you used x >= 0: at exactly 0 the step function gives 0
import numpy as np


def step_function(x):
    return np.array(np.asarray(x) >= 0, dtype=int)
