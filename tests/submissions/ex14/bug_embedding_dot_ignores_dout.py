# expect: EmbeddingDot
# hint: dh ignores dout
import numpy as np


class EmbeddingDot(EmbeddingDot):
    def backward(self, dout):
        h, target_W = self.cache
        dout = dout.reshape(dout.shape[0], 1)
        self.embed.backward(dout * h)
        return target_W.copy()
