# expect: UnigramSampler
# hint: draw from the generator given as rng
import numpy as np


class UnigramSampler(UnigramSampler):
    def get_negative_sample(self, target):
        negative_sample = np.zeros((target.shape[0], self.sample_size), dtype=np.int64)
        for i in range(target.shape[0]):
            p = self.word_p.copy()
            p[target[i]] = 0
            p /= p.sum()
            # NumPy's global generator: the rng given to the constructor is never used
            negative_sample[i] = np.random.choice(self.vocab_size, size=self.sample_size, replace=False, p=p)
        return negative_sample
