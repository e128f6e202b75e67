# expect: BatchNormalization
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        # mu and var treated as constants
        return self.gamma * dout / self.std
