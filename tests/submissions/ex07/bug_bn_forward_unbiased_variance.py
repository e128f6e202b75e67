# expect: BatchNormalization
# hint: the batch variance divides by N, not N - 1
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if not train_flg:
            return super().forward(x, False)
        super().forward(x, True)  # keeps the running statistics as the solution does
        # but normalises with the unbiased (N - 1) variance
        self.std = np.sqrt(x.var(axis=0, ddof=1) + 1e-7)
        self.xn = (x - x.mean(axis=0)) / self.std
        return self.gamma * self.xn + self.beta
