# expect: Momentum
# The second volume's Momentum: the velocities are built by looping over params, which for a dict gives
# the keys ('W', 'b'), so np.zeros_like('W') is an array of strings and the update fails on it.
# hint: a for loop over params gives the keys
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = []
            for param in params:
                self.v.append(np.zeros_like(param))
        for i in range(len(params)):
            self.v[i] = self.momentum * self.v[i] - self.lr * grads[i]
            params[i] += self.v[i]
