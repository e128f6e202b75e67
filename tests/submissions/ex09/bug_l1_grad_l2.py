# expect: l1_grad
# L2's gradient in l1_grad.
# hint: lam * W is L2's gradient; L1's is lam * sign(W)
import numpy as np


def l1_grad(W, lam):
    return lam * W
