# expect: EmbeddingDot
# hint: dh and the gradient for W's rows are swapped
import numpy as np


class EmbeddingDot(EmbeddingDot):
    def backward(self, dout):
        h, target_W = self.cache
        dout = dout.reshape(dout.shape[0], 1)
        self.embed.backward(dout * target_W)
        return dout * h
