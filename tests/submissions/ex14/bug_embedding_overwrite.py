# expect: Embedding
# hint: a word id that occurs several times in idx got only one row of dout
import numpy as np


class Embedding(Embedding):
    def backward(self, dout):
        (dW,) = self.grads
        dW[...] = 0
        # fancy-index assignment: a repeated id keeps only its last row
        dW[self.idx] = dout
