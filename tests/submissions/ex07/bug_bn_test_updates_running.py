# expect: BatchNormalization
# hint: update the running statistics only when train_flg is True; test mode only reads them
# test mode normalises with the running statistics, but updates them first, as in training
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        mean, var = self.running_mean, self.running_var
        m = self.momentum
        self.running_mean = m * mean + (1 - m) * x.mean(axis=0)
        self.running_var = m * var + (1 - m) * x.var(axis=0)
        xn = (x - mean) / np.sqrt(var + 1e-7)
        return self.gamma * xn + self.beta
