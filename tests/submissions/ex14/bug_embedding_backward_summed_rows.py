# expect: Embedding
# hint: dW = self.grads[0]; dW[...] = 0; np.add.at(dW, self.idx, dout); return None
import numpy as np


class Embedding(Embedding):
    def backward(self, dout):
        (dW,) = self.grads
        dW[...] = 0
        # every id gets the whole batch's gradient
        np.add.at(dW, self.idx, dout.sum(axis=0))
