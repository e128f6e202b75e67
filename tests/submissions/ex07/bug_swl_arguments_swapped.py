# expect: SoftmaxWithLoss
# hint: the arguments of cross_entropy_error are swapped
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.t = np.asarray(t)
        self.y = softmax(x)
        # the book's order (y, t), but exercise 2's loss takes (d, y)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss
