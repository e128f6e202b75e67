# expect: Dropout
# hint: multiplying by (1 - dropout_ratio) belongs to test mode (book convention)
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask * (1.0 - self.dropout_ratio)
        return x * (1.0 - self.dropout_ratio)
