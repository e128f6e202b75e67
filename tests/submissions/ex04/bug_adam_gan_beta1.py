# expect: Adam
# beta1=0.5 copied from a GAN tutorial (DCGAN's setting) as the default; the contract's is 0.9.
# hint: constructed with no arguments, it must behave as Adam(lr=0.001, beta1=0.9, beta2=0.999)
import numpy as np


class Adam:
    def __init__(self, lr=0.001, beta1=0.5, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        for k in params.keys():
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * grads[k] ** 2
            m_hat = self.m[k] / (1 - self.beta1**self.iter)
            v_hat = self.v[k] / (1 - self.beta2**self.iter)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
