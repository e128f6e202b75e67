# expect: SoftmaxWithLoss
# hint: the loss is the sum over the batch
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.t = np.asarray(t)
        self.y = softmax(x)
        # the batch mean multiplied back into a sum
        self.loss = cross_entropy_error(self.t, self.y) * x.shape[0]
        return self.loss
