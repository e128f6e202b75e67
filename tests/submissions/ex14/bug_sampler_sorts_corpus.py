# expect: UnigramSampler
# hint: the sampler changed corpus or target
class UnigramSampler(UnigramSampler):
    def __init__(self, corpus, power, sample_size, rng):
        corpus.sort()  # in place: the caller's corpus is reordered
        super().__init__(corpus, power, sample_size, rng)
