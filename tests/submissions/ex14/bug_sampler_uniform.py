# expect: UnigramSampler
# hint: every word is drawn equally often
# hint: draw each row from p = word_p with the row's target set to 0 and renormalised
import numpy as np


class UnigramSampler(UnigramSampler):
    def get_negative_sample(self, target):
        rows = []
        for t in target:
            others = np.array([w for w in range(self.vocab_size) if w != t])
            # the counts are never used: every other word is equally likely
            rows.append(self.rng.choice(others, size=self.sample_size, replace=False))
        return np.array(rows, dtype=np.int64)
