# expect: predict
# hint: not with x.mean(axis=0) and x.std(axis=0)
# predict standardises x with its own mean and std instead of the training
# statistics in params: the labels depend on which rows are in x (and a
# single row has std 0).


def predict(params, x):
    with np.errstate(all="ignore"):
        x = (x - x.mean(axis=0)) / x.std(axis=0)
        return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"], axis=1)
