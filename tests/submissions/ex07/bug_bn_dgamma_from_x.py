# expect: BatchNormalization
# hint: dgamma = sum(dout * xn, axis=0): the normalised xn, not x
import numpy as np


class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        self.x = x
        return super().forward(x, train_flg)

    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma = np.sum(dout * self.x, axis=0)
        return dx
