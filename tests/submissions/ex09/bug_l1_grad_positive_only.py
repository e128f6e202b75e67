# expect: l1_grad
# W > 0 as the sign.
# hint: negative weights get -lam: use np.sign(W), not W > 0
import numpy as np


def l1_grad(W, lam):
    return lam * (W > 0)
