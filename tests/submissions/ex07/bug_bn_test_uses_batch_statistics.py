# expect: BatchNormalization
# hint: test mode normalised with the test batch's own statistics
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        # train_flg ignored: normalised with the test batch's own statistics
        mu = x.mean(axis=0)
        xc = x - mu
        xn = xc / np.sqrt(np.mean(xc**2, axis=0) + 1e-7)
        return self.gamma * xn + self.beta
