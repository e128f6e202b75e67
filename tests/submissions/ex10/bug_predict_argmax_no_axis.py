# expect: predict
# np.argmax without axis=1: one index into the flattened scores.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"])
