# expect: UnigramSampler
# hint: the draws follow count ** 0.75, not the power given
class UnigramSampler(UnigramSampler):
    def __init__(self, corpus, power, sample_size, rng):
        super().__init__(corpus, 0.75, sample_size, rng)  # word2vec's 0.75, whatever power says
