# expect: pass
import numpy as np
from ex02_softmax_loss import one_hot


def d_sigmoid(u):
    # the ex01 sigmoid: overflow-safe
    return (1.0 - sigmoid(u)) * sigmoid(u)


def d_relu(u):
    return np.heaviside(u, 0.0)


def d_softmax_with_loss(d, y):
    # the book's SoftmaxWithLoss.backward, with a copy of y
    d = np.asarray(d)
    if y.ndim == 1:
        d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)
        y = y.reshape(1, -1)
        return d_softmax_with_loss(d, y).reshape(-1)
    batch_size = y.shape[0]
    if d.size == y.size:
        return (y - d) / batch_size
    dx = y.copy()
    dx[np.arange(batch_size), d] -= 1
    return dx / batch_size


def d_mean_squared_error(d, y):
    return np.subtract(y, d) / np.size(y)


def backward(network, x, d, z1, y):
    if d.ndim == 1:
        d = one_hot(d, y.shape[1])
    batch_size = x.shape[0]
    dy = (y - d) / batch_size
    grads = {}
    grads["W2"] = np.dot(z1.T, dy)
    grads["b2"] = np.sum(dy, axis=0)
    dz1 = np.dot(dy, network["W2"].T)
    u1 = np.dot(x, network["W1"]) + network["b1"]
    du1 = dz1 * d_relu(u1)
    grads["W1"] = np.dot(x.T, du1)
    grads["b1"] = np.sum(du1, axis=0)
    return grads
