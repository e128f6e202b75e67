# expect: l2_grad
# L1's gradient in l2_grad.
# hint: lam * sign(W) is L1's gradient; L2's is lam * W
import numpy as np


def l2_grad(W, lam):
    return lam * np.sign(W)
