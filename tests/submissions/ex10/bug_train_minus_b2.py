# expect: train
# The forward pass inside train subtracts b2 (predict adds it, and backward's gradient assumes it is
# added), so b2 is trained the wrong way round. A near miss: 28 of 30 on the fixed split that used to
# decide alone, 87 % on average over the five splits now judged. Found by bench/mutate.py.
# hint: predict does not compute what train trained
import numpy as np
from ex02_softmax_loss import cross_entropy_error, softmax
from ex03_backward import backward
from ex04_optimizers import Adam
from ex09_init_regularization import he_init, l2_grad


def train(x_train, t_train):
    x_train = np.asarray(x_train, dtype=float)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    rng = np.random.default_rng(0)
    network = {
        "W1": he_init(4, 32, rng),
        "b1": np.zeros(32),
        "W2": he_init(32, 3, rng),
        "b2": np.zeros(3),
    }
    optimizer = Adam(lr=0.01)
    losses = []
    for _ in range(1000):
        z1 = np.maximum(0, x @ network["W1"] + network["b1"])
        y = softmax(z1 @ network["W2"] - network["b2"])
        losses.append(cross_entropy_error(t_train, y))
        grads = backward(network, x, t_train, z1, y)
        grads["W1"] += l2_grad(network["W1"], 0.01)
        grads["W2"] += l2_grad(network["W2"], 0.01)
        optimizer.update(network, grads)
    return {**network, "mean": mean, "std": std, "loss_history": np.array(losses)}
