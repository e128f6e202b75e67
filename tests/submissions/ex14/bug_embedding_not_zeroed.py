# expect: Embedding
# hint: dW still holds the previous backward's gradient
# hint: zero the array first (dW[...] = 0, then add, e.g. np.add.at)
import numpy as np


class Embedding(Embedding):
    def backward(self, dout):
        (dW,) = self.grads
        # dW[...] = 0 forgotten: the previous call's gradient stays in it
        np.add.at(dW, self.idx, dout)
