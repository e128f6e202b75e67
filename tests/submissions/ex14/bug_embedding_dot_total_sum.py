# expect: EmbeddingDot
# hint: sum over the features only (axis=1): one score per row of h
import numpy as np


class EmbeddingDot(EmbeddingDot):
    def forward(self, h, idx):
        target_W = self.embed.forward(idx)
        self.cache = (h, target_W)
        return np.sum(target_W * h)  # one number for the whole batch
