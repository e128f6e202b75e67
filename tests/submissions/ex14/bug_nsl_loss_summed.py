# expect: NegativeSamplingLoss
# hint: the loss is summed over the batch; the contract asks for the mean
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def forward(self, h, target):
        return super().forward(h, target) * target.shape[0]
