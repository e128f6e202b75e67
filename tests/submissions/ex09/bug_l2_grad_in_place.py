# expect: l2_grad
# The right values, computed in W itself: the caller's weights are scaled by lam.
# hint: the values are right, but an argument was changed
import numpy as np


def l2_grad(W, lam):
    W *= lam
    return W
