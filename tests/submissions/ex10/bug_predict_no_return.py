# expect: predict
# The labels are computed but the return statement is missing, so predict returns None.
# hint: predict returns np.argmax(scores, axis=1), an integer array with one label per row


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    scores = np.dot(_hidden(params, x), params["W2"]) + params["b2"]
    labels = np.argmax(scores, axis=1)
