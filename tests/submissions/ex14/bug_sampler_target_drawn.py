# expect: UnigramSampler
# hint: before drawing row n, set the probability of its own target to 0 and renormalise
import numpy as np


class UnigramSampler(UnigramSampler):
    def get_negative_sample(self, target):
        # the book's GPU branch: one draw for the whole batch, targets not removed
        return self.rng.choice(self.vocab_size, size=(target.shape[0], self.sample_size), replace=True, p=self.word_p)
