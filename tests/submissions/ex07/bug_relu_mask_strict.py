# expect: Relu
# hint: at x == 0 exactly the gradient is 0 (d_relu(0) = 0, as in exercise 3)
# mask x < 0: forward is the same (0 stays 0), but backward lets dout through where x == 0
import numpy as np


class Relu(Relu):
    def forward(self, x):
        self.mask = x < 0
        out = x.copy()
        out[self.mask] = 0
        return out
