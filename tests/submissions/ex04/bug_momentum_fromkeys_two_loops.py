# expect: Momentum
# dict.fromkeys puts one and the same array under every key, and the velocities are all
# updated before any parameter moves: every key then takes the same step, made of every gradient.
# hint: every key needs its own state, kept between calls
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            first = next(iter(params.values()))
            self.v = dict.fromkeys(params, np.zeros_like(first))
        for key in params.keys():
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
        for key in params.keys():
            params[key] += self.v[key]
