# expect: BatchNormalization
# hint: momentum weighs the *old* value
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        eps = 1e-7
        self.input_shape = x.shape
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            self.std = np.sqrt(var + eps)
            self.xn = xc / self.std
            self.batch_size = x.shape[0]
            m = self.momentum
            # momentum on the new statistic instead of the old one
            self.running_mean = (1 - m) * self.running_mean + m * mu
            self.running_var = (1 - m) * self.running_var + m * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + eps)
        return self.gamma * xn + self.beta
