# expect: l1_grad
import numpy as np


def l1_grad(W, lam):
    return np.where(W >= 0, lam, -lam)
