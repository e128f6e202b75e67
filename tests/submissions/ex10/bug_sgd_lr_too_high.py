# expect: train
# Full-batch SGD with a learning rate of 25 on standardised features: every step overshoots, the loss
# spikes to about 15 and ends above where it started (log 3 = 1.1). More epochs (2000) do not help, so
# "train for more epochs" would be the wrong advice; the loss curve must show the rise.
# hint: the loss went up, not down
# hint: the learning rate is too large (more epochs do not help)
import numpy as np
from ex02_softmax_loss import cross_entropy_error, softmax
from ex03_backward import backward

LR = 25.0
EPOCHS = 2000


def train(x_train, t_train):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.normal(0.0, 0.01, size=(4, 16)),
        "b1": np.zeros(16),
        "W2": rng.normal(0.0, 0.01, size=(16, 3)),
        "b2": np.zeros(3),
    }
    losses = []
    for _ in range(EPOCHS):
        z1 = np.maximum(0, x @ params["W1"] + params["b1"])
        y = softmax(z1 @ params["W2"] + params["b2"])
        losses.append(cross_entropy_error(t_train, y))
        grads = backward(params, x, t_train, z1, y)
        for key in params:
            params[key] -= LR * grads[key]
    return {**params, "mean": mean, "std": std, "loss_history": np.array(losses)}


def predict(params, x):
    z = (x - params["mean"]) / params["std"]
    hidden = np.maximum(0, z @ params["W1"] + params["b1"])
    return np.argmax(hidden @ params["W2"] + params["b2"], axis=1)
