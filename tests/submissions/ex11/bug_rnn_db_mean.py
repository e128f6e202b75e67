# expect: RNN
# hint: db is a sum over the batch, not a mean
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next**2)
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.mean(dt, axis=0)  # averaged, as if b were shared by the mean
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
