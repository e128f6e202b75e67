# expect: pass
import numpy as np


def softmax(x):
    # log-softmax through logsumexp, then exp
    m = np.max(x, axis=-1, keepdims=True)
    log_sum = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
    return np.exp(x - log_sum)


def cross_entropy_error(d, y):
    y = np.atleast_2d(y)
    n = y.shape[0]
    if np.ndim(d) < y.ndim and np.size(d) == n:
        d = np.identity(y.shape[1])[np.reshape(d, -1)]
    d = np.reshape(d, y.shape)
    # clip instead of adding 1e-7: the same loss up to about 1e-7 / y
    return np.float64(-np.sum(d * np.log(np.clip(y, 1e-7, 1.0))) / n)


def mean_squared_error(d, y):
    return np.mean(np.square(d - y)) / 2


def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out
