# expect: pass
# A 4-16-3 network with sigmoid hidden units, written out by hand, trained
# with minibatch SGD on shuffled data; the legacy global generator is seeded.
import numpy as np


def train(x_train, t_train):
    np.random.seed(1)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    t = np.eye(3)[t_train]
    W1 = np.random.randn(4, 16) * 0.5
    b1 = np.zeros(16)
    W2 = np.random.randn(16, 3) * 0.5
    b2 = np.zeros(3)
    history = []
    for _epoch in range(150):
        order = np.random.permutation(len(x))
        for start in range(0, len(x), 10):
            batch = order[start : start + 10]
            xb, tb = x[batch], t[batch]
            z1 = 1 / (1 + np.exp(-(xb @ W1 + b1)))
            u2 = z1 @ W2 + b2
            e = np.exp(u2 - u2.max(axis=1, keepdims=True))
            y = e / e.sum(axis=1, keepdims=True)
            du2 = (y - tb) / len(xb)
            dz1 = du2 @ W2.T
            du1 = dz1 * z1 * (1 - z1)
            W2 -= 0.5 * z1.T @ du2
            b2 -= 0.5 * du2.sum(axis=0)
            W1 -= 0.5 * xb.T @ du1
            b1 -= 0.5 * du1.sum(axis=0)
        history.append(float(-np.mean(np.sum(tb * np.log(y + 1e-7), axis=1))))
    # a Python list of floats is fine too: it arrives as a 1-D array
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "mean": mean, "std": std, "loss_history": history}


def predict(params, x):
    z = (x - params["mean"]) / params["std"]
    z1 = 1 / (1 + np.exp(-(z @ params["W1"] + params["b1"])))
    return (z1 @ params["W2"] + params["b2"]).argmax(axis=1)
