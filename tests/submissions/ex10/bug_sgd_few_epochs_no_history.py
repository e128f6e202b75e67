# expect: train
# Full-batch SGD with the book's lr = 0.01 for 100 epochs: 100 small steps are far too few,
# and without params['loss_history'] nothing shows that the loss was still falling.
# hint: a loss curve in params['loss_history'] would show whether the loss went down at all
import numpy as np
from ex02_softmax_loss import softmax
from ex03_backward import backward
from ex09_init_regularization import he_init


def train(x_train, t_train):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    rng = np.random.default_rng(0)
    params = {"W1": he_init(4, 32, rng), "b1": np.zeros(32), "W2": he_init(32, 3, rng), "b2": np.zeros(3)}
    for _ in range(100):
        z1 = np.maximum(0, x @ params["W1"] + params["b1"])
        y = softmax(z1 @ params["W2"] + params["b2"])
        grads = backward(params, x, t_train, z1, y)
        for key in params:
            params[key] -= 0.01 * grads[key]
    return {**params, "mean": mean, "std": std}
