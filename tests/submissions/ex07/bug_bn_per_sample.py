# expect: BatchNormalization
# hint: each feature is normalised over the batch: statistics along axis=0 (down the batch), not axis=1
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if not train_flg:
            return super().forward(x, False)
        super().forward(x, True)
        # layer normalisation: each sample over its features
        xc = x - x.mean(axis=1, keepdims=True)
        self.std = np.sqrt(np.mean(xc**2, axis=1, keepdims=True) + 1e-7)
        self.xn = xc / self.std
        return self.gamma * self.xn + self.beta
