# expect: Adam
# The default lr=0.01 (a common choice elsewhere); the contract's is 0.001.
# hint: your numbers are what lr=0.01 gives; the contract's default is lr=0.001
import numpy as np


class Adam:
    def __init__(self, lr=0.01, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        for k in params:
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * grads[k] ** 2
            m_hat = self.m[k] / (1 - self.beta1**self.iter)
            v_hat = self.v[k] / (1 - self.beta2**self.iter)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
