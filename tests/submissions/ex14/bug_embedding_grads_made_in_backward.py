# expect: Embedding
# hint: the constructor must create self.grads, arrays of zeros shaped like the parameters
# self.grads first appears in backward: an optimizer given layer.grads before training finds nothing
import numpy as np


class Embedding(Embedding):
    def __init__(self, W):
        self.params = [W]
        self.idx = None

    def backward(self, dout):
        (W,) = self.params
        dW = np.zeros_like(W)
        np.add.at(dW, self.idx, dout)
        self.grads = [dW]
