# expect: BatchNormalization
# hint: the path through var is missing
import numpy as np


class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        # the book's dstd, dvar and dxc += (2.0 / N) * xc * dvar are missing
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / self.batch_size
