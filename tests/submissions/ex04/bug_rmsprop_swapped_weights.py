# expect: RMSprop
# decay_rate and 1 - decay_rate exchanged: the new g * g gets the large weight.
# hint: decay_rate and 1 - decay_rate are swapped
import numpy as np


class RMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate = lr, decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] = (1 - self.decay_rate) * self.h[k] + self.decay_rate * grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (np.sqrt(self.h[k]) + 1e-7)
