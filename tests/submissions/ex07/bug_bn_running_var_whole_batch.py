# expect: BatchNormalization
# hint: running_mean = momentum * running_mean + (1 - momentum) * mu; running_var = momentum * running_var
# running_var is fed np.var(x) without axis=0: one variance of the whole batch for every feature
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        if not train_flg:
            return super().forward(x, False)
        old_var = self.running_var
        out = super().forward(x, True)
        if old_var is None:
            old_var = np.zeros(x.shape[1])
        m = self.momentum
        self.running_var = m * old_var + (1 - m) * np.var(x)
        return out
