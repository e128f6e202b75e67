# expect: BatchNormalization
# hint: with train_flg=False: xn = (x - running_mean) / np.sqrt(running_var + eps), out = gamma * xn + beta
# test mode returns the normalised xn and forgets the scale and shift
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        return (x - self.running_mean) / np.sqrt(self.running_var + 1e-7)
