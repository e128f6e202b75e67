# expect: Embedding
# hint: write each gradient into the array the constructor created
import numpy as np


class Embedding(Embedding):
    def backward(self, dout):
        dW = np.zeros_like(self.params[0])
        np.add.at(dW, self.idx, dout)
        # a new array in the list: an optimizer holding the old one never sees it
        self.grads[0] = dW
