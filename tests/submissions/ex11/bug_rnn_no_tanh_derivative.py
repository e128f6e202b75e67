# expect: RNN
# hint: the tanh derivative is missing
# hint: these are the gradients of an RNN cell whose backward skips tanh's derivative
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next  # tanh's derivative forgotten
        self.grads[0][...] = np.dot(x.T, dt)
        self.grads[1][...] = np.dot(h_prev.T, dt)
        self.grads[2][...] = np.sum(dt, axis=0)
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
