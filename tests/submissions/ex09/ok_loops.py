# expect: pass
import numpy as np


def l2_penalty(weights, lam):
    total = 0.0
    for W in weights:
        for value in np.asarray(W).flat:
            total += value * value
    return 0.5 * lam * total


def l1_penalty(weights, lam):
    total = 0
    for W in weights:
        total += np.abs(W).sum()
    return lam * total


def l2_grad(W, lam):
    grad = np.empty_like(W, dtype=float)
    for index, value in np.ndenumerate(W):
        grad[index] = lam * value
    return grad


def l1_grad(W, lam):
    return np.where(W > 0, lam, np.where(W < 0, -lam, 0.0))
