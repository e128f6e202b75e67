# expect: Dropout
# hint: draw a new mask on every training forward: a fixed mask trains a single thinned network
# a generator seeded inside forward draws the same mask on every call
import numpy as np


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            rng = np.random.default_rng(0)
            self.mask = rng.random(x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)
