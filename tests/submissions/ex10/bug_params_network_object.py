# expect: train
# hint: no layer objects, nested dicts or strings
# The dict holds a network object, not arrays: predict works in the same
# process, but the parameters can not be saved or inspected as numbers.

_train = train


class Network:
    def __init__(self, params):
        self.params = params


def train(x_train, t_train):
    return {"network": Network(_train(x_train, t_train))}


def predict(params, x):
    params = params["network"].params
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"], axis=1)
