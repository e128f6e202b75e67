# expect: Affine
# hint: db must be summed over the batch axis
import numpy as np


class Affine(Affine):
    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = dout
        return np.dot(dout, self.W.T).reshape(self.original_x_shape)
