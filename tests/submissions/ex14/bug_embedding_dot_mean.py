# expect: EmbeddingDot
# hint: target_W = self.embed.forward(idx); keep (h, target_W) for backward; return np.sum(target_W * h, axis=1)
import numpy as np


class EmbeddingDot(EmbeddingDot):
    def forward(self, h, idx):
        target_W = self.embed.forward(idx)
        self.cache = (h, target_W)
        return np.mean(target_W * h, axis=1)  # a mean is not a dot product
