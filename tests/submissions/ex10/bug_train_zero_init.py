# expect: train
# Every weight starts at 0: the hidden ReLU units give 0 and get no gradient, the output
# bias gets none on balanced classes, so every flower keeps the same scores and argmax gives
# class 0. No loss history is returned, so the grader cannot see the flat loss.
# hint: the network has not learnt (too few epochs, a tiny learning rate, weights that all start at 0
import numpy as np
from ex02_softmax_loss import softmax
from ex03_backward import backward
from ex04_optimizers import Adam


def train(x_train, t_train):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    params = {"W1": np.zeros((4, 32)), "b1": np.zeros(32), "W2": np.zeros((32, 3)), "b2": np.zeros(3)}
    optimizer = Adam(lr=0.01)
    for _ in range(300):
        z1 = np.maximum(0, x @ params["W1"] + params["b1"])
        y = softmax(z1 @ params["W2"] + params["b2"])
        optimizer.update(params, backward(params, x, t_train, z1, y))
    return {**params, "mean": mean, "std": std}
