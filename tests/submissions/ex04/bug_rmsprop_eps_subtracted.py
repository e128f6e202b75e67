# expect: RMSprop
# The constant subtracted instead of added: harmless for ordinary gradients, but a gradient smaller than
# 1e-7 makes the denominator negative and the weight moves uphill.
# hint: the 1e-7 is subtracted
# hint: the weight moves uphill, along g
import numpy as np


class RMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grads[key] ** 2
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) - 1e-7)
