# expect: TimeLSTM
# hint: in forward: if not self.stateful or self.h is None: self.h = zeros (N, H)
# the loop carries h and c in local variables and never writes them back to self.h and self.c
import numpy as np


class TimeLSTM(TimeLSTM):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H))
        self.layers = []
        hs = np.empty((N, T, H))
        h, c = self.h, self.c
        for t in range(T):
            layer = LSTM(*self.params)
            h, c = layer.forward(xs[:, t, :], h, c)
            hs[:, t, :] = h
            self.layers.append(layer)
        return hs
