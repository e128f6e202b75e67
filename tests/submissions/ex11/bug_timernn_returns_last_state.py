# expect: TimeRNN
# hint: forward returns every step's hidden state, hs of shape (N, T, H), not only the last one
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        self.layers = []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            self.layers.append(layer)
        return self.h  # as if only the final state were the output
