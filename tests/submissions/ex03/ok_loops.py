# expect: pass
import math

import numpy as np


def d_sigmoid(u):
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    for index, value in np.ndenumerate(u):
        if value >= 0:
            s = 1.0 / (1.0 + math.exp(-value))
        else:
            e = math.exp(value)
            s = e / (1.0 + e)
        out[index] = s * (1.0 - s)
    return out


def d_relu(u):
    out = np.zeros(np.shape(u))
    for index, value in np.ndenumerate(u):
        if value > 0:
            out[index] = 1.0
    return out


def d_mean_squared_error(d, y):
    out = np.zeros(np.shape(y))
    for index, value in np.ndenumerate(y):
        out[index] = 2 * (value - d[index]) / (2 * y.size)
    return out


def backward(network, x, d, z1, y):
    W1, W2 = network["W1"], network["W2"]
    n, dim = x.shape
    hidden, classes = W2.shape
    if d.ndim == 1:
        labels = d
    else:
        labels = d.argmax(axis=1)
    grads = {
        "W1": np.zeros((dim, hidden)),
        "b1": np.zeros(hidden),
        "W2": np.zeros((hidden, classes)),
        "b2": np.zeros(classes),
    }
    for i in range(n):
        u1 = x[i] @ W1 + network["b1"]  # recomputed: u1 > 0 is the same mask as z1 > 0
        du2 = y[i].copy()
        du2[labels[i]] -= 1.0
        du2 /= n
        for j in range(hidden):
            for k in range(classes):
                grads["W2"][j, k] += z1[i, j] * du2[k]
        grads["b2"] += du2
        for j in range(hidden):
            if u1[j] <= 0:
                continue
            dz = sum(du2[k] * W2[j, k] for k in range(classes))
            grads["b1"][j] += dz
            for p in range(dim):
                grads["W1"][p, j] += x[i, p] * dz
    return grads
