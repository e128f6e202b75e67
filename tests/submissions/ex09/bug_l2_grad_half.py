# expect: l2_grad
# 0.5 * lam * W: the 0.5 of the penalty kept.
# hint: half too small: d(0.5 * lam * W²)/dW = lam * W
import numpy as np


def l2_grad(W, lam):
    return 0.5 * lam * W
