# expect: backward
# hint: db1 sums du1 over the batch axis only: np.sum(du1, axis=0), shape (6,)
# hint: db2 sums du2 over the batch axis only


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    du1 = (du2 @ network["W2"].T) * (z1 > 0)
    # the bias gradient is left per sample, (N, H) and (N, K)
    return {"W1": x.T @ du1, "b1": du1, "W2": z1.T @ du2, "b2": du2}
