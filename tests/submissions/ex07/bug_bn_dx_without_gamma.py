# expect: BatchNormalization
# hint: gamma is missing from dx: out = gamma * xn + beta, so dxn = gamma * dout
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = dout
        return (dxn - np.mean(dxn, axis=0) - self.xn * np.mean(dxn * self.xn, axis=0)) / self.std
