# expect: BatchNormalization
# hint: dbeta = sum(dout, axis=0), dgamma = sum(dout * xn, axis=0), and dx through xc, var and mu
# a sign slip in the collapsed formula: + xn * mean(dxn * xn)
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        return (dxn - np.mean(dxn, axis=0) + self.xn * np.mean(dxn * self.xn, axis=0)) / self.std
