# expect: SoftmaxWithLoss
# hint: self.y = softmax(x), then the mean over the batch of -log(y of the true class + 1e-7)
# hint: your backward is consistent with your own forward, so the gradients are wrong only because the forward is
# np.mean over every element of -t * log(y) divides by N * K; backward follows it consistently
import numpy as np


class SoftmaxWithLoss(SoftmaxWithLoss):
    def forward(self, x, t):
        self.y = softmax(x)
        t = np.asarray(t)
        self.t = t if t.ndim == 2 else np.eye(x.shape[1])[t]
        self.loss = np.mean(-self.t * np.log(self.y + 1e-7))
        return self.loss

    def backward(self, dout=1):
        return dout * (self.y - self.t) / self.y.size
