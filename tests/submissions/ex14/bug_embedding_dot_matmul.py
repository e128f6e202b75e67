# expect: EmbeddingDot
# hint: out has one score per pair of rows
import numpy as np


class EmbeddingDot(EmbeddingDot):
    def forward(self, h, idx):
        target_W = self.embed.forward(idx)
        self.cache = (h, target_W)
        return np.dot(h, target_W.T)
