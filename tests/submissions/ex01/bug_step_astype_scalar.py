# expect: step_function
# hint: x may be a plain number: np.array(x > 0, dtype=np.int64) works for scalars and arrays alike
import numpy as np


def step_function(x):
    # right for arrays; for a Python float, x > 0 is a bool, which has no astype
    return (x > 0).astype(np.int64)
