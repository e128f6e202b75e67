# expect: RNN
# hint: dWx is transposed
import numpy as np


class RNN(RNN):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        dt = dh_next * (1 - h_next**2)
        dWx = np.dot(dt.T, x)  # (H, D): the factors in the wrong order
        dWh = np.dot(h_prev.T, dt)
        db = np.sum(dt, axis=0)
        self.grads = [dWx, dWh, db]
        return np.dot(dt, Wx.T), np.dot(dt, Wh.T)
