# expect: Affine
# hint: the second call doubled dW: it is added to what the first call left
import numpy as np


class Affine(Affine):
    def __init__(self, W, b):
        super().__init__(W, b)
        self.dW = np.zeros_like(W)
        self.db = np.zeros_like(b)

    def backward(self, dout):
        # gradients added up over calls instead of set
        self.dW += np.dot(self.x.T, dout)
        self.db += np.sum(dout, axis=0)
        return np.dot(dout, self.W.T).reshape(self.original_x_shape)
