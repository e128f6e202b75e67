# expect: GRU
# hint: dz = dh_next * (h_hat - h_prev) * z * (1 - z); d_rh = dh_hat @ Wh_h.T
# the reset gate's gradient forgets that r multiplies h_prev: dr = d_rh instead of d_rh * h_prev
import numpy as np


class GRU(GRU):
    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, z, r, h_hat = self.cache
        H = h_prev.shape[1]
        dt = dh_next * z * (1 - h_hat**2)
        dz = dh_next * (h_hat - h_prev) * z * (1 - z)
        d_rh = dt @ Wh[:, 2 * H :].T
        dr = d_rh * r * (1 - r)
        dA = np.hstack((dz, dr, dt))
        dh_prev = dh_next * (1 - z) + d_rh * r + dz @ Wh[:, :H].T + dr @ Wh[:, H : 2 * H].T
        self.grads[0][...] = x.T @ dA
        self.grads[1][...] = np.hstack((h_prev.T @ dz, h_prev.T @ dr, (r * h_prev).T @ dt))
        self.grads[2][...] = dA.sum(axis=0)
        return dA @ Wx.T, dh_prev
