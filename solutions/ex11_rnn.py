"""Worked solution, exercise 11: recurrent networks and backpropagation through time.

模範解答 課題 11：RNN と BPTT（通時的逆伝播）
"""

from __future__ import annotations

import numpy as np


class RNN:
    """One time step: h_next = tanh(h_prev @ Wh + x @ Wx + b)."""

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        """Return h_next (N, H), remembering what backward needs."""
        Wx, Wh, b = self.params
        t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = np.tanh(t)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev)."""
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache
        # back through tanh first: its derivative, written with its output, is 1 - h**2
        dt = dh_next * (1 - h_next**2)
        db = np.sum(dt, axis=0)  # b was added to every sample
        dWh = np.dot(h_prev.T, dt)
        dh_prev = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        # into the arrays the caller holds, not new ones
        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db
        return dx, dh_prev


class TimeRNN:
    """T steps of one RNN cell over xs (N, T, D) -> hs (N, T, H)."""

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def reset_state(self) -> None:
        """Forget the carried hidden state."""
        self.h = None

    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Return hs (N, T, H); the initial state is zeros unless carried."""
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        D, H = Wx.shape
        self.layers = []
        hs = np.empty((N, T, H), dtype=np.result_type(xs, Wx))
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype=hs.dtype)
        for t in range(T):
            layer = RNN(*self.params)  # every step shares Wx, Wh, b
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Return dxs (N, T, D); grads summed over time, self.dh = dL/dh0."""
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D, H = Wx.shape
        dxs = np.empty((N, T, D), dtype=np.result_type(dhs, Wx))
        dh = 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            # h_t went to the output hs[:, t] and to step t + 1: both gradients add up
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad  # shared weights: sum over the time steps
        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        return dxs


def clip_grads(grads: list, max_norm: float) -> None:
    """Scale all arrays by one factor when their global norm exceeds max_norm."""
    total_norm = 0.0
    for grad in grads:
        total_norm += np.sum(grad**2)
    total_norm = np.sqrt(total_norm)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate  # in place: the caller's arrays change
