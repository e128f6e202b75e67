# expect: UnigramSampler
# hint: the probabilities must be count ** power, normalised
import numpy as np


class UnigramSampler(UnigramSampler):
    def __init__(self, corpus, power, sample_size, rng):
        super().__init__(corpus, power, sample_size, rng)
        counts = np.bincount(corpus)
        self.word_p = counts / counts.sum()  # the power was never applied
