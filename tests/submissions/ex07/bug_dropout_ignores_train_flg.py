# expect: Dropout
# hint: test mode drops nothing: every unit is present, only scaled
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        self.mask = np.random.rand(*x.shape) > self.dropout_ratio
        return x * self.mask
