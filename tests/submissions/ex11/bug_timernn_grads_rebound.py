# expect: TimeRNN
# hint: an optimizer is given self.grads once and keeps reading those same arrays
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        dh = 0
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        self.grads = grads  # a new list of new arrays
        self.dh = dh
        return dxs
