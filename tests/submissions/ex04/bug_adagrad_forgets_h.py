# expect: AdaGrad
# hint: the state (v, h, m) is re-created on every call
# hint: one h per key, zeros on the first call, growing with every call
import numpy as np


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            h = grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(h) + 1e-7)
