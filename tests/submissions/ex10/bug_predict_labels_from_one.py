# expect: predict
# hint: labels count from 0, like t_train: no + 1
# hint: fix predict's labels first, then look at the accuracy again
# Labels counted from 1 ("class 1, 2, 3"), not from 0 like t_train.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"], axis=1) + 1
