# expect: Relu
# hint: the mask is inverted: the gradient passes where x > 0 and is 0 where x <= 0
import numpy as np


class Relu(Relu):
    def backward(self, dout):
        return dout * self.mask
