# expect: NegativeSamplingLoss
# hint: the default power of NegativeSamplingLoss is 0.75
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    # power=1 by default: the negatives follow the plain word frequencies
    def __init__(self, W, corpus, power=1, sample_size=5, rng=None):
        super().__init__(W, corpus, power, sample_size, rng)
