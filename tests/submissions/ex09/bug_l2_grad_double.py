# expect: l2_grad
# hint: twice too large: the 0.5 of the penalty cancels the 2 of d(W²)/dW


def l2_grad(W, lam):
    return 2 * lam * W
