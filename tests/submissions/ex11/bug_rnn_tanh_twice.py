# expect: RNN
# hint: 1 - np.tanh(h_next) ** 2 applies tanh a second time
# hint: these are the right sums over time of wrong step gradients
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - np.tanh(h_next) ** 2)  # h_next is already tanh(a)
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
