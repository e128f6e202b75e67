# expect: NegativeSamplingLoss
# hint: pass power (default 0.75), sample_size (default 5) and rng on to UnigramSampler
class NegativeSamplingLoss(NegativeSamplingLoss):
    def __init__(self, W, corpus, power=0.5, sample_size=5, rng=None):
        super().__init__(W, corpus, power, sample_size, rng)
