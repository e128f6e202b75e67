# expect: SoftmaxWithLoss
# hint: dx is not divided by the batch size
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1):
        batch_size = self.y.shape[0]
        dx = self.y.copy()
        if self.t.shape == self.y.shape:
            dx -= self.t
        else:
            dx[np.arange(batch_size), self.t] -= 1
        return dout * dx
