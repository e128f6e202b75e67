# expect: BatchNormalization
# hint: the path through mu is missing: finish with dx = dxc - dmu / N
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        # the book's graph through var, then dmu forgotten
        return (dxn - self.xn * np.mean(dxn * self.xn, axis=0)) / self.std
