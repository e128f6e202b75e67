# expect: NegativeSamplingLoss
# hint: only the target's term is there
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def forward(self, h, target):
        super().forward(h, target)
        scores, labels, batch_size = self.cache
        return float(np.sum(np.logaddexp(0, -scores[:, 0])) / batch_size)
