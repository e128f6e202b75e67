# expect: pass
# one matrix product per gate, sums over time with np.add, a sigmoid of its own
import numpy as np


def _sigmoid(a):
    # exp(-|a|) can not overflow
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class LSTM:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def _block(self, k):
        Wx, Wh, b = self.params
        H = Wh.shape[0]
        cols = slice(k * H, (k + 1) * H)
        return Wx[:, cols], Wh[:, cols], b[cols]

    def forward(self, x, h_prev, c_prev):
        pre = []
        for k in range(4):
            wx, wh, bk = self._block(k)
            pre.append(np.dot(x, wx) + np.dot(h_prev, wh) + bk)
        f, g, i, o = _sigmoid(pre[0]), np.tanh(pre[1]), _sigmoid(pre[2]), _sigmoid(pre[3])
        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)
        self.saved = dict(x=x, h=h_prev, c=c_prev, f=f, g=g, i=i, o=o, t=np.tanh(c_next))
        return h_next, c_next

    def backward(self, dh_next, dc_next):
        s = self.saved
        d_c = dc_next + dh_next * s["o"] * (1 - s["t"] * s["t"])
        d_pre = [
            d_c * s["c"] * s["f"] * (1 - s["f"]),
            d_c * s["i"] * (1 - s["g"] * s["g"]),
            d_c * s["g"] * s["i"] * (1 - s["i"]),
            dh_next * s["t"] * s["o"] * (1 - s["o"]),
        ]
        dx = np.zeros_like(s["x"])
        dh_prev = np.zeros_like(s["h"])
        H = s["h"].shape[1]
        for k, d in enumerate(d_pre):
            wx, wh, _ = self._block(k)
            dx = dx + d @ wx.T
            dh_prev = dh_prev + d @ wh.T
            self.grads[0][:, k * H : (k + 1) * H] = s["x"].T @ d
            self.grads[1][:, k * H : (k + 1) * H] = s["h"].T @ d
            self.grads[2][k * H : (k + 1) * H] = d.sum(axis=0)
        return dx, dh_prev, d_c * s["f"]


class TimeLSTM:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.stateful = stateful
        self.h = self.c = self.dh = None

    def forward(self, xs):
        N, T, _ = xs.shape
        H = self.params[1].shape[0]
        if not (self.stateful and self.h is not None):
            self.h = np.zeros((N, H))
            self.c = np.zeros((N, H))
        self.cells = [LSTM(*self.params) for _ in range(T)]
        outs = []
        for t, cell in enumerate(self.cells):
            self.h, self.c = cell.forward(xs[:, t], self.h, self.c)
            outs.append(self.h)
        return np.stack(outs, axis=1)

    def backward(self, dhs):
        dh = np.zeros_like(dhs[:, 0])
        dc = np.zeros_like(dh)
        totals = [np.zeros_like(p) for p in self.params]
        dxs = [None] * len(self.cells)
        for t in range(len(self.cells) - 1, -1, -1):
            dxs[t], dh, dc = self.cells[t].backward(dhs[:, t] + dh, dc)
            for total, grad in zip(totals, self.cells[t].grads):
                np.add(total, grad, out=total)
        for target, total in zip(self.grads, totals):
            np.copyto(target, total)
        self.dh = dh
        return np.stack(dxs, axis=1)

    def reset_state(self):
        self.h = None
        self.c = None


class GRU:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        H = h_prev.shape[1]
        gates = _sigmoid(x @ Wx[:, : 2 * H] + h_prev @ Wh[:, : 2 * H] + b[: 2 * H])
        z, r = gates[:, :H], gates[:, H:]
        h_hat = np.tanh(x @ Wx[:, 2 * H :] + (r * h_prev) @ Wh[:, 2 * H :] + b[2 * H :])
        self.saved = (x, h_prev, z, r, h_hat)
        return h_prev + z * (h_hat - h_prev)

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h, z, r, h_hat = self.saved
        H = h.shape[1]
        d_cand = dh_next * z * (1 - h_hat**2)
        d_rh = d_cand @ Wh[:, 2 * H :].T
        d_gates = np.concatenate(
            [dh_next * (h_hat - h) * z * (1 - z), d_rh * h * r * (1 - r)], axis=1
        )
        dA = np.concatenate([d_gates, d_cand], axis=1)
        self.grads[0][...] = x.T @ dA
        self.grads[1][:, : 2 * H] = h.T @ d_gates
        self.grads[1][:, 2 * H :] = (r * h).T @ d_cand
        self.grads[2][...] = dA.sum(axis=0)
        dh_prev = dh_next * (1 - z) + d_rh * r + d_gates @ Wh[:, : 2 * H].T
        return dA @ Wx.T, dh_prev
