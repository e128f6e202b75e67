# expect: predict
# hint: no dropout at prediction time (train_flg=False)
# hint: predict gives different labels for the same x at every call, so this accuracy changes from run to run
# Dropout left on at prediction time: predict draws a new random mask at
# every call, so the same x gets different labels.


def predict(params, x):
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    z1 = _hidden(params, x)
    z1 = z1 * (np.random.rand(*z1.shape) > 0.5)
    return np.argmax(np.dot(z1, params["W2"]) + params["b2"], axis=1)
