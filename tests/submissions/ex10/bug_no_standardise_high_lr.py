# expect: train
# hint: the training diverged (the loss became nan)
# Raw features (up to 7.9 cm), no standardisation, and a learning rate that
# standardised data would tolerate: the scores grow, np.exp overflows in a
# softmax without the max shift, and the loss and the weights become nan.
import numpy as np


def train(x_train, t_train):
    rng = np.random.default_rng(0)
    W1 = rng.normal(0, 1, (4, 20))
    b1 = np.zeros(20)
    W2 = rng.normal(0, 1, (20, 3))
    b2 = np.zeros(3)
    t = np.eye(3)[t_train]
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(300):
            u1 = x_train @ W1 + b1
            z1 = np.maximum(0, u1)
            e = np.exp(z1 @ W2 + b2)
            y = e / e.sum(axis=1, keepdims=True)
            losses.append(-np.mean(np.sum(t * np.log(y + 1e-7), axis=1)))
            du2 = (y - t) / len(x_train)
            dz1 = du2 @ W2.T
            du1 = dz1 * (u1 > 0)
            W2 -= 2.0 * z1.T @ du2
            b2 -= 2.0 * du2.sum(axis=0)
            W1 -= 2.0 * x_train.T @ du1
            b1 -= 2.0 * du1.sum(axis=0)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "loss_history": np.array(losses)}


def predict(params, x):
    with np.errstate(all="ignore"):
        z1 = np.maximum(0, x @ params["W1"] + params["b1"])
        return np.argmax(z1 @ params["W2"] + params["b2"], axis=1)
