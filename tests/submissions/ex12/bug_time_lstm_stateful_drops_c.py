# expect: TimeLSTM
# hint: with stateful=True, h was kept but the cell state was not
# hint: this backward follows two stateful forwards
# only h is kept between calls: the cell state starts from zeros at every forward
import numpy as np


class TimeLSTM(TimeLSTM):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[1].shape[0]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        self.c = np.zeros((N, H))
        self.layers = []
        hs = np.empty((N, T, H))
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
