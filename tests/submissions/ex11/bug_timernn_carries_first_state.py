# expect: TimeRNN
# hint: the state carried over is the first step's
# hint: self.dh is right after a forward from zeros, but after a forward from a carried state it is wrong
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        hs = np.empty((N, T, H))
        h = self.h if self.stateful and self.h is not None else np.zeros((N, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            h = layer.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(layer)
        self.h = hs[:, 0, :]  # index 0 of the time axis is the first step, not the last
        return hs
