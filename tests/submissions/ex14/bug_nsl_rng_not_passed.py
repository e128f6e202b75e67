# expect: NegativeSamplingLoss
# hint: pass rng on to the UnigramSampler
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def __init__(self, W, corpus, power=0.75, sample_size=5, rng=None):
        super().__init__(W, corpus, power, sample_size, rng)
        # a fresh generator of its own: the rng given is dropped
        self.sampler = UnigramSampler(corpus, power, sample_size, None)
