"""Worked solution, exercise 12: gated cells (LSTM and GRU).

模範解答 課題 12：ゲート付きのセル（LSTM と GRU）
"""

from __future__ import annotations

import numpy as np

from ex01_activations import sigmoid


class LSTM:
    """One LSTM step; the four gates come from one matrix product, blocks f, g, i, o."""

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(
        self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (h_next, c_next)."""
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        A = x @ Wx + h_prev @ Wh + b  # (N, 4H)

        f = sigmoid(A[:, :H])
        g = np.tanh(A[:, H : 2 * H])
        i = sigmoid(A[:, 2 * H : 3 * H])
        o = sigmoid(A[:, 3 * H :])

        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.cache = (x, h_prev, c_prev, f, g, i, o, c_next)
        return h_next, c_next

    def backward(
        self, dh_next: np.ndarray, dc_next: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev, dc_prev)."""
        Wx, Wh, b = self.params
        x, h_prev, c_prev, f, g, i, o, c_next = self.cache
        tanh_c = np.tanh(c_next)

        # c_next is used twice: as the next cell state and inside h_next
        ds = dc_next + dh_next * o * (1 - tanh_c**2)
        dc_prev = ds * f

        df = ds * c_prev
        dg = ds * i
        di = ds * g
        do = dh_next * tanh_c
        # through each gate's own activation function
        df *= f * (1 - f)
        dg *= 1 - g**2
        di *= i * (1 - i)
        do *= o * (1 - o)
        dA = np.hstack((df, dg, di, do))  # the same block order as forward

        # [...] writes into the arrays a model may already hold
        self.grads[0][...] = x.T @ dA
        self.grads[1][...] = h_prev.T @ dA
        self.grads[2][...] = dA.sum(axis=0)

        dx = dA @ Wx.T
        dh_prev = dA @ Wh.T
        return dx, dh_prev, dc_prev


class TimeLSTM:
    """T LSTM steps over xs (N, T, D), sharing one set of weights."""

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.c = None, None
        self.dh = None
        self.stateful = stateful

    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Return hs (N, T, H)."""
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]

        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H))
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H))

        self.layers = []
        hs = np.empty((N, T, H))  # float64, like the inputs (the book's 'f' is float32)
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Sum the steps' gradients into self.grads, set self.dh, return dxs."""
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]

        dxs = np.empty((N, T, D))
        dh, dc = 0, 0  # nothing comes back from beyond the last step
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            # h of step t went to hs[:, t] and to step t + 1: add both gradients
            dx, dh, dc = layer.backward(dhs[:, t, :] + dh, dc)
            dxs[:, t, :] = dx
            for k, grad in enumerate(layer.grads):
                grads[k] += grad  # shared weights: sum over time

        for k, grad in enumerate(grads):
            self.grads[k][...] = grad
        self.dh = dh
        return dxs

    def reset_state(self) -> None:
        """Forget h and c."""
        self.h, self.c = None, None


class GRU:
    """One GRU step; blocks z, r, candidate; r is applied to h_prev before Wh_h."""

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        """Return h_next (N, H)."""
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        Wxz, Wxr, Wxh = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
        Whz, Whr, Whh = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]
        bz, br, bh = b[:H], b[H : 2 * H], b[2 * H :]

        z = sigmoid(x @ Wxz + h_prev @ Whz + bz)
        r = sigmoid(x @ Wxr + h_prev @ Whr + br)
        h_hat = np.tanh(x @ Wxh + (r * h_prev) @ Whh + bh)
        h_next = (1 - z) * h_prev + z * h_hat

        self.cache = (x, h_prev, z, r, h_hat)
        return h_next

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev)."""
        Wx, Wh, b = self.params
        x, h_prev, z, r, h_hat = self.cache
        H = h_prev.shape[1]
        Wxz, Wxr, Wxh = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
        Whz, Whr, Whh = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]

        # h_next = (1 - z) * h_prev + z * h_hat
        dh_hat = dh_next * z
        dz = dh_next * (h_hat - h_prev)
        dh_prev = dh_next * (1 - z)

        # candidate: tanh, then (r * h_prev) @ Whh
        dt = dh_hat * (1 - h_hat**2)
        d_rh = dt @ Whh.T
        dh_prev += d_rh * r
        dr = d_rh * h_prev

        # the two gates: sigmoid, then x @ W + h_prev @ W
        dz = dz * z * (1 - z)
        dr = dr * r * (1 - r)
        dh_prev += dz @ Whz.T + dr @ Whr.T

        self.grads[0][...] = np.hstack((x.T @ dz, x.T @ dr, x.T @ dt))
        self.grads[1][...] = np.hstack(
            (h_prev.T @ dz, h_prev.T @ dr, (r * h_prev).T @ dt)
        )
        self.grads[2][...] = np.hstack((dz.sum(axis=0), dr.sum(axis=0), dt.sum(axis=0)))

        dx = dz @ Wxz.T + dr @ Wxr.T + dt @ Wxh.T
        return dx, dh_prev
