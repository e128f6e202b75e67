# expect: AdaGrad
# The small constant left out: an element whose gradient is 0 has h = 0 and gets 0 / 0 = nan; a gradient
# below 1e-7 takes the full step lr. Ordinary gradients (0.2 to 2) can not tell it from the contract.
# hint: without the small constant the step is 0 / 0 = nan
# hint: divide by (np.sqrt(h) + 1e-7)
import numpy as np


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / np.sqrt(self.h[key])
