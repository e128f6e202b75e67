# expect: Dropout
# hint: backward must use the mask saved by the last training forward (self.mask), not draw a new one
import numpy as np


class Dropout(Dropout):
    def backward(self, dout):
        # a fresh mask: not the units forward dropped
        mask = np.random.rand(*dout.shape) > self.dropout_ratio
        return dout * mask
