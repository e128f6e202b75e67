# expect: pass
import numpy as np


# Deep Learning from Scratch, common/functions.py (with the course's mean-MSE)
def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def cross_entropy_error(d, y):
    if y.ndim == 1:
        d = d.reshape(1, d.size)
        y = y.reshape(1, y.size)
    # one-hot teacher data becomes the index of the right class
    if d.size == y.size:
        d = d.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), d] + 1e-7)) / batch_size


def mean_squared_error(d, y):
    return 0.5 * np.sum((y - d) ** 2) / y.size


def one_hot(labels, num_classes):
    T = np.zeros((labels.size, num_classes))
    for idx, row in enumerate(T):
        row[labels[idx]] = 1
    return T
