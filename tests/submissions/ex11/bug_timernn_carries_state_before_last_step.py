# expect: TimeRNN
# hint: in forward: if not self.stateful or self.h is None: self.h = np.zeros((N, H))
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
            self.h = h  # kept before the step, so the last step's output is never carried
            h = layer.forward(xs[:, t, :], h)
            hs[:, t, :] = h
            self.layers.append(layer)
        return hs
