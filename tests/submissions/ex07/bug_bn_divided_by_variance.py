# expect: BatchNormalization
# hint: divide by the standard deviation sqrt(var + eps), not by the variance
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if not train_flg:
            return super().forward(x, False)
        super().forward(x, True)  # the running statistics as in the solution
        xc = x - x.mean(axis=0)
        self.std = np.mean(xc**2, axis=0) + 1e-7  # the variance, not its square root
        self.xn = xc / self.std
        return self.gamma * self.xn + self.beta
