# expect: predict
# hint: the label is the index of the largest score: return np.argmax(y, axis=1)
# hint: predict must return one integer label per row (see the check
# predict returns one-hot rows, the format of the teacher data, not labels.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    scores = np.dot(_hidden(params, x), params["W2"]) + params["b2"]
    return np.eye(scores.shape[1])[np.argmax(scores, axis=1)]
