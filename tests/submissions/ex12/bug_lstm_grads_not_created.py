# expect: LSTM
# hint: if the error is about self.params or self.grads: create both lists in __init__
# the gradients are kept as self.dWx, self.dWh, self.db (as the book's Affine does); no self.grads list
import numpy as np


class LSTM(LSTM):
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.cache = None

    def backward(self, dh_next, dc_next):
        self.grads = [np.zeros_like(p) for p in self.params]
        dx, dh_prev, dc_prev = super().backward(dh_next, dc_next)
        self.dWx, self.dWh, self.db = self.grads
        return dx, dh_prev, dc_prev
