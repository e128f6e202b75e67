# expect: l2_grad


def l2_grad(W, lam):
    return 2 * lam * W
