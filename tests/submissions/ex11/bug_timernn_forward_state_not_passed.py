# expect: TimeRNN
# hint: the hidden state is not passed on
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wx.shape[1]
        hs = np.empty((N, T, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], np.zeros((N, H)))
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
