# expect: pass
# BatchNormalization with eps = 1e-5 added outside the square root, and the
# book's backward formula written with that std.
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
            self.std = np.sqrt(var) + 1e-5
            self.xn = xc / self.std
            self.batch_size = x.shape[0]
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / (np.sqrt(self.running_var) + 1e-5)
        return self.gamma * xn + self.beta
