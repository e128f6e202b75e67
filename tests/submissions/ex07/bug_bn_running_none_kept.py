# expect: BatchNormalization
# hint: when running_mean and running_var are None, create them as zeros of shape (D,)
# the running statistics are updated only when they were given: the defaults stay None
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        eps = 1e-7
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            self.std = np.sqrt(var + eps)
            self.xn = xc / self.std
            if self.running_mean is not None:
                m = self.momentum
                self.running_mean = m * self.running_mean + (1 - m) * mu
                self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + eps)
        return self.gamma * xn + self.beta
