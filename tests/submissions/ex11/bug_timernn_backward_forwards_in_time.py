# expect: TimeRNN
# hint: backpropagation through time goes back in time
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        grads = [0, 0, 0]
        dh = 0
        for t in range(T):  # should run from T - 1 down to 0
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs
