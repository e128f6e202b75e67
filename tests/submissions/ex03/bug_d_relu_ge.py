# expect: d_relu
# hint: the exercise fixes the slope at the kink to 0.0
# hint: a d_relu(z1) that gives 1 at exactly 0 lets everything through
import numpy as np


def d_relu(u):
    return np.where(u >= 0, 1.0, 0.0)
