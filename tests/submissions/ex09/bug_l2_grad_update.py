# expect: l2_grad
# hint: that is the decayed weight W - lam * W (an update step)


def l2_grad(W, lam):
    return W - lam * W
