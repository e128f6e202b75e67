# expect: BatchNormalization
# hint: mu = x.mean(axis=0), xc = x - mu, var = np.mean(xc ** 2, axis=0)
# axis=0 forgotten: one mean and one variance for the whole batch
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if not train_flg:
            return super().forward(x, False)
        super().forward(x, True)
        xc = x - x.mean()
        self.std = np.sqrt(np.mean(xc**2) + 1e-7)
        self.xn = xc / self.std
        return self.gamma * self.xn + self.beta
