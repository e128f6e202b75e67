# expect: Momentum
# __init__ accepts lr and momentum but update uses the textbook's numbers written in.
# hint: your numbers are what lr=0.01, momentum=0.9 (the defaults) give, not the lr=0.05, momentum=0.7 passed
import numpy as np


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params.keys():
            self.v[key] = 0.9 * self.v[key] - 0.01 * grads[key]
            params[key] += self.v[key]
