# expect: Dropout
# hint: inverted dropout already scaled in training, so test mode returns x unchanged
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask / (1.0 - self.dropout_ratio)
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask / (1.0 - self.dropout_ratio)
