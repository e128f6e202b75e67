# expect: Convolution
# hint: dW is reshaped in the wrong order: W is (FN, C, FH, FW)
# the right numbers in (FN, FH, C, FW): indistinguishable while C == FH, as in square 3-channel 3x3 filters
import numpy as np


class Convolution(Convolution):
    def backward(self, dout):
        dx = super().backward(dout)
        FN, C, FH, FW = self.W.shape
        self.dW = self.dW.reshape(FN, -1).reshape(FN, FH, C, FW)
        return dx
