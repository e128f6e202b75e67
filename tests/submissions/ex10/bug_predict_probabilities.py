# expect: predict
# hint: the label is the index of the largest score
# predict returns the softmax probabilities instead of the labels.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    return softmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"])
