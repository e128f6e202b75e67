# expect: SoftmaxWithLoss
# hint: multiply by dout: dx = dout * (y - t) / N
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1):
        # the book's version: fine at the end of a network, but not linear in dout
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            return (self.y - self.t) / batch_size
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size
