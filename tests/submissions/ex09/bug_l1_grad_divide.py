# expect: l1_grad
import numpy as np


def l1_grad(W, lam):
    return lam * W / np.abs(W)
