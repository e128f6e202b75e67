# expect: TimeRNN
# hint: hs must be (N, T, H), batch first and time second as xs is
# hint: the forward itself is wrong
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        N, T, D = xs.shape
        H = self.params[0].shape[1]
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        self.layers, hs = [], []
        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs.append(self.h)
            self.layers.append(layer)
        return np.array(hs)  # stacked along a new first axis: (T, N, H)
