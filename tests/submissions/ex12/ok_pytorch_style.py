# expect: pass
# a learner used to PyTorch: the LSTM reorders the blocks to i, f, g, o internally,
# and the GRU works with PyTorch's gate u = 1 - z (u = sigmoid(-a_z))
import numpy as np

from ex01_activations import sigmoid

TO_IFGO = (2, 0, 1, 3)  # contract blocks f, g, i, o -> PyTorch's i, f, g, o


def _reorder(W, H, order):
    return np.concatenate([W[..., k * H : (k + 1) * H] for k in order], axis=-1)


class LSTM(LSTM):
    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        A = x @ _reorder(Wx, H, TO_IFGO) + h_prev @ _reorder(Wh, H, TO_IFGO) + _reorder(b, H, TO_IFGO)
        i, f, g, o = sigmoid(A[:, :H]), sigmoid(A[:, H : 2 * H]), np.tanh(A[:, 2 * H : 3 * H]), sigmoid(A[:, 3 * H :])
        c_next = f * c_prev + i * g
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next


class GRU(GRU):
    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        u = sigmoid(-(x @ Wx[:, :H] + h_prev @ Wh[:, :H] + b[:H]))
        r = sigmoid(x @ Wx[:, H : 2 * H] + h_prev @ Wh[:, H : 2 * H] + b[H : 2 * H])
        h_hat = np.tanh(x @ Wx[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + b[2 * H :])
        self.cache = (x, h_prev, 1 - u, r, h_hat)
        return u * h_prev + (1 - u) * h_hat
