# expect: pass
import numpy as np


class TimeRNN:
    """The loop written out without RNN objects; stateful kept as a zero state after reset."""

    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful = stateful
        self.h = None
        self.dh = None

    def reset_state(self):
        self.h = None

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, _ = xs.shape
        h = self.h if self.stateful and self.h is not None else np.zeros((N, Wx.shape[1]))
        self.xs, self.h0 = xs, h
        hs = []
        for t in range(T):
            h = np.tanh(h @ Wh + xs[:, t] @ Wx + b)
            hs.append(h)
        self.hs = np.stack(hs, axis=1)
        self.h = h
        return self.hs

    def backward(self, dhs):
        Wx, Wh, _ = self.params
        T = dhs.shape[1]
        dxs = np.zeros_like(self.xs, dtype=float)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
        dh = np.zeros_like(self.h0, dtype=float)
        for t in range(T - 1, -1, -1):
            h_prev = self.hs[:, t - 1] if t > 0 else self.h0
            dt = (dhs[:, t] + dh) * (1 - self.hs[:, t] ** 2)
            dxs[:, t] = dt @ Wx.T
            dh = dt @ Wh.T
            dWx += self.xs[:, t].T @ dt
            dWh += h_prev.T @ dt
            db += dt.sum(axis=0)
        self.grads[0][...], self.grads[1][...], self.grads[2][...] = dWx, dWh, db
        self.dh = dh
        return dxs
