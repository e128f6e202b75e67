# expect: l1_grad
# lam left out.
# hint: lam is missing: the gradient is lam * sign(W)
import numpy as np


def l1_grad(W, lam):
    return np.sign(W).astype(float)
