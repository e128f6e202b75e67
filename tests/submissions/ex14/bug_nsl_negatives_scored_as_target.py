# expect: NegativeSamplingLoss
# hint: scores s = sum(h * W[word], axis=1) for the target and each negative
# hint: loss = (sum over rows of -log sigmoid(s_target) - sum over the k negatives
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def forward(self, h, target):
        super().forward(h, target)
        scores, labels, batch_size = self.cache
        # every negative scored with the target's row, as if it were the target
        same = np.repeat(scores[:, :1], scores.shape[1], axis=1)
        return float(np.sum(np.logaddexp(0, np.where(labels == 1, -same, same))) / batch_size)
