# expect: Adam
# Parameters and gradients paired with zip, as for lists: zip over two dicts pairs their keys, so the
# "gradient" is the string 'W'.
# hint: params and grads are dicts of arrays keyed by name
import numpy as np


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = [np.zeros(np.shape(p)) for p in params.values()]
            self.v = [np.zeros(np.shape(p)) for p in params.values()]
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self.m[i] += (1 - self.beta1) * (grad - self.m[i])
            self.v[i] += (1 - self.beta2) * (grad**2 - self.v[i])
            param -= lr_t * self.m[i] / (np.sqrt(self.v[i]) + 1e-7)
