# expect: RMSprop
# h summed as in AdaGrad: decay_rate is stored but never used.
# hint: h is a sum as in AdaGrad, not a moving average
# hint: h[key] = decay_rate * h[key] + (1 - decay_rate) * g * g, then params[key]
import numpy as np


class RMSprop:
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr, self.decay_rate = lr, decay_rate
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(v) for k, v in params.items()}
        for k in params:
            self.h[k] += grads[k] * grads[k]
            params[k] -= self.lr * grads[k] / (np.sqrt(self.h[k]) + 1e-7)
