"""Worked solution, exercise 10: train a classifier from scratch.

模範解答 課題 10：修了課題

A two-layer network (ReLU hidden layer, softmax output) trained full-batch
with Adam and a little weight decay on standardised features, reusing
earlier exercises.
"""

from __future__ import annotations

import numpy as np

from ex02_softmax_loss import cross_entropy_error, softmax
from ex03_backward import backward
from ex04_optimizers import Adam
from ex09_init_regularization import he_init, l2_grad

HIDDEN_SIZE = 32
EPOCHS = 1000
LEARNING_RATE = 0.01
WEIGHT_DECAY = 0.01  # lambda of the L2 penalty; Iris is small and easy to overfit
SEED = 0


def _hidden(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Return z1 = relu(x @ W1 + b1) for standardised x."""
    return np.maximum(0, np.dot(x, params["W1"]) + params["b1"])


def train(x_train: np.ndarray, t_train: np.ndarray) -> dict[str, np.ndarray]:
    """Train the network on (N, D) features and (N,) labels.

    Parameters
    ----------
    x_train : ndarray of float, shape (N, D)
        Training features.
    t_train : ndarray of int, shape (N,)
        Training labels 0 .. K - 1.

    Returns
    -------
    dict of ndarray
        W1 (D, H), b1 (H,), W2 (H, K), b2 (K,), and the standardisation
        statistics mean (D,), std (D,).
    """
    x_train = np.asarray(x_train, dtype=float)
    t_train = np.asarray(t_train, dtype=np.intp)
    num_features = x_train.shape[1]
    num_classes = int(t_train.max()) + 1

    # standardise with training statistics only; predict reuses them
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0  # a constant feature stays 0 instead of dividing by 0
    x = (x_train - mean) / std

    # fixed seed: the same data always gives the same network
    rng = np.random.default_rng(SEED)
    network = {
        "W1": he_init(num_features, HIDDEN_SIZE, rng),
        "b1": np.zeros(HIDDEN_SIZE),
        "W2": he_init(HIDDEN_SIZE, num_classes, rng),
        "b2": np.zeros(num_classes),
    }
    optimizer = Adam(lr=LEARNING_RATE)

    # Iris is tiny, so every epoch is one full-batch step
    losses = []
    for _ in range(EPOCHS):
        z1 = _hidden(network, x)
        y = softmax(np.dot(z1, network["W2"]) + network["b2"])
        losses.append(cross_entropy_error(t_train, y))
        grads = backward(network, x, t_train, z1, y)
        # weight decay on the weights only, not on the biases
        grads["W1"] += l2_grad(network["W1"], WEIGHT_DECAY)
        grads["W2"] += l2_grad(network["W2"], WEIGHT_DECAY)
        optimizer.update(network, grads)

    # the grader draws params["loss_history"] as a loss curve
    return {**network, "mean": mean, "std": std, "loss_history": np.array(losses)}


def predict(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Return the predicted integer label (M,) of every row of x (M, D).

    Parameters
    ----------
    params : dict of ndarray
        The dict returned by train.
    x : ndarray of float, shape (M, D)
        Raw (not standardised) features.

    Returns
    -------
    ndarray of int64, shape (M,)
        Predicted labels.
    """
    x = (np.asarray(x, dtype=float) - params["mean"]) / params["std"]
    scores = np.dot(_hidden(params, x), params["W2"]) + params["b2"]
    # softmax does not change the order of the scores, so argmax suffices
    return np.argmax(scores, axis=1).astype(np.int64)
