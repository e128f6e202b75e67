# expect: TimeRNN
# hint: dh = 0; for t in reversed(range(T)): dx, dh = self.layers[t].backward(dhs[:, t, :] + dh)
# hint: self.dh comes from the same backward step (t = 0) as dxs[:, 0], and dxs[:, 0] is wrong too
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        dh = dhs[:, -1, :]  # started from the last output's gradient, which the loop adds again
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs
