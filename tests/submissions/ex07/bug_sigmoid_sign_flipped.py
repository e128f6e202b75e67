# expect: Sigmoid
# hint: the sign in the exponent is flipped: exp(-x)
import numpy as np


class Sigmoid(Sigmoid):
    def forward(self, x):
        self.out = 1 / (1 + np.exp(x))
        return self.out
