# expect: train
# hint: predict that recognises only the rows it was trained on
# train keeps the training rows in params and predict looks each flower up among them: every
# training row is right, every unseen flower falls back to class 0.

_train_network = train


def train(x_train, t_train):
    params = _train_network(x_train, t_train)
    params["seen_x"] = np.array(x_train, dtype=float)
    params["seen_t"] = np.array(t_train, dtype=np.int64)
    return params


def predict(params, x):
    x = np.asarray(x, dtype=float)
    labels = np.zeros(len(x), dtype=np.int64)
    for i, row in enumerate(x):
        same = np.all(params["seen_x"] == row, axis=1)
        if same.any():
            labels[i] = params["seen_t"][np.argmax(same)]
    return labels
