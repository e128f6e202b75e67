# expect: LSTM
# hint: PyTorch's order
# gates sliced in PyTorch's order i, f, g, o
import numpy as np

from ex01_activations import sigmoid


class LSTM(LSTM):
    def forward(
        self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (h_next, c_next)."""
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        A = x @ Wx + h_prev @ Wh + b  # (N, 4H)

        i = sigmoid(A[:, :H])
        f = sigmoid(A[:, H : 2 * H])
        g = np.tanh(A[:, 2 * H : 3 * H])
        o = sigmoid(A[:, 3 * H :])

        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next
