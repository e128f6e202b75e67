# expect: TimeRNN
# hint: with stateful=False (the default) every forward starts from zeros
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wx.shape[1]
        hs = np.empty((N, T, H))
        if self.h is None:  # self.stateful never consulted
            self.h = np.zeros((N, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
