# expect: Adam
# hint: one state array is shared by every key
import numpy as np


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = 0.0
        self.v = 0.0

    def update(self, params, grads):
        self.iter += 1
        t = self.iter
        for key in params:
            g = grads[key]
            self.m = self.beta1 * self.m + (1 - self.beta1) * g
            self.v = self.beta2 * self.v + (1 - self.beta2) * g * g
            m_hat = self.m / (1 - self.beta1**t)
            v_hat = self.v / (1 - self.beta2**t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
