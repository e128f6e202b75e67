# expect: TimeRNN
# hint: self.dh holds the gradient after step T - 1
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        grads = [0, 0, 0]
        dh = 0
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            if t == T - 1:
                self.dh = dh  # kept too early
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        return dxs
