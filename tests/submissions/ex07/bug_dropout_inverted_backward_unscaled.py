# expect: Dropout
# hint: backward multiplies dout by what forward multiplied x by
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask / (1.0 - self.dropout_ratio)
        return x.copy()

    def backward(self, dout):
        # inverted dropout, but backward forgets the 1 / (1 - ratio)
        return dout * self.mask
