# expect: TimeLSTM
# hint: with stateful=True, forward started again from zeros
# stateful ignored
import numpy as np

from ex01_activations import sigmoid


class TimeLSTM(TimeLSTM):
    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Return hs (N, T, H)."""
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]

        if True:
            self.h = np.zeros((N, H))
        if True:
            self.c = np.zeros((N, H))

        self.layers = []
        hs = np.empty((N, T, H))  # float64, like the inputs (the book's 'f' is float32)
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs
