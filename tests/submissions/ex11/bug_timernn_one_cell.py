# expect: TimeRNN
# hint: one RNN object was reused for every step
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wx.shape[1]
        hs = np.empty((N, T, H))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        layer = RNN(*self.params)  # one cell for all steps: its cache keeps the last step only
        self.layers = []
        for t in range(T):
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
