# expect: l2_grad
# lam left out.
# hint: lam is missing: the gradient is lam * W
import numpy as np


def l2_grad(W, lam):
    return W.copy()
