# expect: RNN
# hint: db must be summed over the batch axis
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next**2)
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2] = dt  # (N, H), not summed over the batch
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
