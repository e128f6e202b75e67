# expect: NegativeSamplingLoss
# hint: the negatives are labelled 1
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def forward(self, h, target):
        super().forward(h, target)
        scores, labels, batch_size = self.cache
        return float(np.sum(np.logaddexp(0, -scores)) / batch_size)  # -log sigmoid(s) for every sample
