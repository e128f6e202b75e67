# expect: BatchNormalization
# hint: dgamma is a sum over the batch, not a mean
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma = np.mean(self.xn * dout, axis=0)
        return dx
