# expect: Sigmoid
# hint: out = 1 / (1 + np.exp(-x)); keep it in self.out
# operator precedence: 1 / 1 + np.exp(-x) is 1 + exp(-x)
import numpy as np


class Sigmoid(Sigmoid):
    def forward(self, x):
        self.out = 1 / 1 + np.exp(-x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)
