# expect: predict
# hint: x -= params['mean'] writes into the caller's array, so predicting twice standardises twice
# Standardising x in place: the caller's array changes, and a second call
# standardises the standardised data again.


def predict(params, x):
    x -= params["mean"]
    x /= params["std"]
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"], axis=1)
