# expect: predict
# hint: drop keepdims=True
# keepdims=True leaves the labels as a column (N, 1).


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    scores = np.dot(_hidden(params, x), params["W2"]) + params["b2"]
    return np.argmax(scores, axis=1, keepdims=True)
