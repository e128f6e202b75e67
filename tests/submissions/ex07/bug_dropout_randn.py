# expect: Dropout
# hint: self.mask = np.random.rand(*x.shape) > self.dropout_ratio; return x * self.mask
# randn (normal) instead of rand (uniform): P(z <= 0.3) is about 0.62, not 0.3
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.randn(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
