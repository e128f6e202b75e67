# expect: BatchNormalization
# hint: the running statistics were not updated
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        eps = 1e-7
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
            self.input_shape = x.shape
            # running statistics computed but never stored
            m = self.momentum
            running_mean = m * self.running_mean + (1 - m) * mu  # noqa: F841
            running_var = m * self.running_var + (1 - m) * var  # noqa: F841
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + eps)
        return self.gamma * xn + self.beta
