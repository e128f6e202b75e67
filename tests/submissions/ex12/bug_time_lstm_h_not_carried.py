# expect: TimeLSTM
# hint: the hidden state is not carried from step to step
# every step starts from h = 0: the loop passes the initial h instead of the last step's
import numpy as np


class TimeLSTM(TimeLSTM):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H))
        h0 = self.h
        self.layers = []
        hs = np.empty((N, T, H))
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], h0, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
