# expect: Sigmoid
# hint: you used x * (1 - x)
import numpy as np


class Sigmoid(Sigmoid):
    def forward(self, x):
        self.x = x
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        # derivative written with the input instead of the output
        return dout * self.x * (1.0 - self.x)
