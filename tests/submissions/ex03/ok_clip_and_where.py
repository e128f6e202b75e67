# expect: pass
import numpy as np


def d_sigmoid(u):
    # exp of a clipped input cannot overflow; sigmoid'(u) is below 1e-200 beyond |u| = 500
    s = 1.0 / (1.0 + np.exp(-np.clip(u, -500, 500)))
    return s - s * s


def d_relu(u):
    return (np.asarray(u) > 0).astype(np.float64)


def d_softmax_with_loss(d, y):
    y = np.asarray(y, dtype=float)
    d = np.asarray(d)
    classes = y.shape[-1]
    target = d if d.shape == y.shape else (np.arange(classes) == d[..., None]).astype(float)
    n = y.shape[0] if y.ndim == 2 else 1
    return (y - target) / n


def d_mean_squared_error(d, y):
    diff = y - d
    return diff / diff.size


def backward(network, x, d, z1, y):
    du2 = d_softmax_with_loss(d, y)
    dz1 = du2 @ network["W2"].T
    du1 = np.where(z1 > 0, dz1, 0.0)
    return dict(
        W1=x.T @ du1,
        b1=du1.sum(axis=0),
        W2=z1.T @ du2,
        b2=du2.sum(axis=0),
    )
