# expect: backward


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    # the bias gradient is left per sample, (N, H) and (N, K)
    return {"W1": x.T @ du1, "b1": du1, "W2": z1.T @ du2, "b2": du2}
