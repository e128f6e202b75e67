# expect: RNN
# hint: not grads[0] = dW or self.grads = [...]
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next**2)
        # a new list: whoever collected the old one never sees these
        self.grads = [np.dot(x.T, dt), np.dot(h_prev.T, dt), np.sum(dt, axis=0)]
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
