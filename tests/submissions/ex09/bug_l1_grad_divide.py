# expect: l1_grad
# hint: W / abs(W) divides by zero where W == 0 (nan)
import numpy as np


def l1_grad(W, lam):
    return lam * W / np.abs(W)
