# expect: TimeRNN
# hint: self.h = zeros (N, H) unless carried; for t in range(T): layer = RNN(*self.params)
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        hs = np.empty((N, T, H))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            hs[:, t, :] = self.h  # stored before the step: the state it started from
            self.h = layer.forward(xs[:, t, :], self.h)
            self.layers.append(layer)
        return hs
