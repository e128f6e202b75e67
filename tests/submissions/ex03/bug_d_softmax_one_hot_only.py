# expect: d_softmax_with_loss
# hint: d can hold class labels (N,): turn them into one-hot first
# hint: the label 2 was subtracted from every element


def d_softmax_with_loss(d, y):
    batch_size = 1 if y.ndim == 1 else y.shape[0]
    return (y - d) / batch_size
