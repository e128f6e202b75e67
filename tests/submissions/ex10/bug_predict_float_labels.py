# expect: predict
# hint: a label array built with np.zeros(N) is float
# The labels are collected in np.zeros(N), a float array: 0.0, 1.0, 2.0.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    scores = np.dot(_hidden(params, x), params["W2"]) + params["b2"]
    labels = np.zeros(len(x))
    for i in range(len(x)):
        labels[i] = np.argmax(scores[i])
    return labels
