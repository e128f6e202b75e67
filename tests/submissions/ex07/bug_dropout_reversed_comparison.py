# expect: Dropout
# hint: the comparison is reversed
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            # keeps a unit with probability dropout_ratio
            self.mask = np.random.rand(*x.shape) < self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
