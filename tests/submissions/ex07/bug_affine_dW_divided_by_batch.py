# expect: Affine
# hint: dx = (dout @ W.T).reshape(original x shape), dW = x_flat.T @ dout
# dW averaged over the batch: the 1/N of the mean loss is already in dout
import numpy as np


class Affine(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = np.dot(self.x.T, dout) / self.x.shape[0]
        return dx
