# expect: Momentum
# The parameter moves by the old velocity, before v takes in this call's gradient,
# so the first call does nothing and every step lags one call behind.
# hint: v[key] = momentum * v[key] - lr * g, then params[key] += v[key]
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params.keys():
            params[key] += self.v[key]
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
