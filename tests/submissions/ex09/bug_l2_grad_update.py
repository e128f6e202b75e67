# expect: l2_grad


def l2_grad(W, lam):
    return W - lam * W
