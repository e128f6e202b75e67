# expect: NegativeSamplingLoss
# hint: for a large |score| sigmoid is exactly 0.0 or 1.0 in float64 and log(0) is -inf
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def forward(self, h, target):
        super().forward(h, target)
        scores, labels, batch_size = self.cache
        y = 1 / (1 + np.exp(-scores))
        # no eps: log(1 - 1.0) for a saturated negative
        return -np.sum(labels * np.log(y) + (1 - labels) * np.log(1 - y)) / batch_size
