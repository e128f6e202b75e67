# expect: pass
# element-by-element Python loops, state kept in float32
import math

import numpy as np


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros(val.shape, dtype=np.float32) for key, val in params.items()}
        for key in params:
            p, g, h = params[key], grads[key], self.h[key]
            for index in np.ndindex(p.shape):
                h[index] += g[index] * g[index]
                p[index] -= self.lr * g[index] / (math.sqrt(h[index]) + 1e-7)


class RMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros(val.shape, dtype=np.float32) for key, val in params.items()}
        for key in params:
            p, g, h = params[key], grads[key], self.h[key]
            for index in np.ndindex(p.shape):
                h[index] = self.decay_rate * h[index] + (1 - self.decay_rate) * g[index] ** 2
                p[index] -= self.lr * g[index] / (math.sqrt(h[index]) + 1e-7)
