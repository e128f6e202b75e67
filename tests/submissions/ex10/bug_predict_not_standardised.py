# expect: train
# hint: predict does not compute what train trained; it must apply the same standardisation
# predict forgets the standardisation that train applied: the network sees
# centimetres it was never trained on.  Only the accuracy check (named after
# train, the function it trains) can see this; its feedback points at predict
# when the loss curve shows that training went well.

_train = train


def train(x_train, t_train):
    params = _train(x_train, t_train)
    return {**params, "loss_history": np.array([1.1, 0.6, 0.3, 0.1, 0.06])}


def predict(params, x):
    return np.argmax(np.dot(_hidden(params, x), params["W2"]) + params["b2"], axis=1)
