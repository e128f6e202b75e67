# expect: TimeLSTM
# hint: self.c holds h; it is the cell state c_next of the last step
# the two values a step returns unpacked in the wrong order: h, c = ... reads (h_next, c_next) as (c, h)
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
        self.h, self.c = h, h
        return hs
