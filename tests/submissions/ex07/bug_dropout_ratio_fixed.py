# expect: Dropout
# hint: dropout_ratio given to the constructor was not used (0.5 instead?)
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > 0.5
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
