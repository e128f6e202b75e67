# expect: Affine
# hint: db is a sum over the batch, not a mean
import numpy as np


class Affine(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx
