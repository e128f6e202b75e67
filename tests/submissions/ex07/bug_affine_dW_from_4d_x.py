# expect: Affine
# hint: dW was computed from the original 4-D x
# forward flattens into a local variable and keeps the caller's x for backward
import numpy as np


class Affine(Affine):
    def forward(self, x):
        self.x = x
        return np.dot(x.reshape(x.shape[0], -1), self.W) + self.b

    def backward(self, dout):
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return np.dot(dout, self.W.T).reshape(self.x.shape)
