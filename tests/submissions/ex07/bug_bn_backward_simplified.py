# expect: BatchNormalization
# hint: dx = gamma * dout / std treats mu and var as constants, but both are computed from the whole batch
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        # mu and var treated as constants
        return self.gamma * dout / self.std
