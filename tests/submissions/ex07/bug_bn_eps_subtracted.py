# expect: BatchNormalization
# hint: add a small positive eps under the square root, xn = xc / np.sqrt(var + 1e-7) (added, not subtracted)
# var - eps under the square root: within 1e-7 of right at variances >= 1, NaN at variance 0
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
            with np.errstate(invalid="ignore"):
                std = np.sqrt(var - eps)
            self.batch_size = x.shape[0]
            self.xn = xc / std
            self.std = std
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + eps)
        return self.gamma * xn + self.beta
