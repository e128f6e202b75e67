# expect: predict
# hint: np.argmax(y) without axis=1 gives the index into the flattened array
# np.argmax without axis=1: one index into the flattened scores.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"])
