# expect: SoftmaxWithLoss
# hint: dx was divided by the number of classes K; divide by the batch size N = x.shape[0]
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1):
        n, k = self.y.shape
        t = self.t if self.t.ndim == 2 else np.eye(k)[self.t]
        return dout * (self.y - t) / k
