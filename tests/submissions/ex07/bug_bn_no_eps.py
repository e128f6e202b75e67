# expect: BatchNormalization
# hint: a feature whose values are all equal has variance 0, and xc / np.sqrt(var) is then 0 / 0 = NaN
# hint: a feature constant in training has running_var 0
# eps dropped in training and in test mode: right wherever every variance is >= 1, NaN at variance 0
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var)
            self.batch_size = x.shape[0]
            self.xn = xc / std
            self.std = std
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var)
        return self.gamma * xn + self.beta
