# expect: l2_grad
# The elementwise penalty 0.5 * lam * W ** 2 is returned instead of its derivative.
# hint: the derivative of 0.5 * lam * W ** 2 is lam * W, elementwise


def l2_grad(W, lam):
    return 0.5 * lam * W**2
