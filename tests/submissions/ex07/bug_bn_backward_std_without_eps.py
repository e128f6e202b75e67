# expect: BatchNormalization
# hint: backward must divide by the same std = np.sqrt(var + eps) forward used, eps included
# forward normalises with sqrt(var + eps), backward recomputes the std without eps: the two agree
# to 1e-7 at variances >= 1 and disagree by ~5 % at a variance of 1e-6 (seen in learners' code)
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        out = super().forward(x, train_flg)
        if train_flg:
            self.xc = x - x.mean(axis=0)
        return out

    def backward(self, dout):
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        std = np.sqrt(np.mean(self.xc**2, axis=0))
        xn = self.xc / std
        dxn = self.gamma * dout
        return (dxn - np.mean(dxn, axis=0) - xn * np.mean(dxn * xn, axis=0)) / std
