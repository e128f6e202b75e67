# expect: TimeRNN
# hint: the weights are shared by every time step, so their gradients are sums over time
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]
        dxs = np.empty((N, T, D))
        dh = 0
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                self.grads[i][...] = grad  # overwritten each step: only step 0's dWh stays
        self.dh = dh
        return dxs
