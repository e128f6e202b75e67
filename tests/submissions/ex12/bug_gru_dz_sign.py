# expect: GRU
# hint: dz has the wrong sign
# the derivative of the mixing with the sign flipped
import numpy as np

from ex01_activations import sigmoid


class GRU(GRU):
    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev)."""
        Wx, Wh, b = self.params
        x, h_prev, z, r, h_hat = self.cache
        H = h_prev.shape[1]
        Wxz, Wxr, Wxh = Wx[:, :H], Wx[:, H : 2 * H], Wx[:, 2 * H :]
        Whz, Whr, Whh = Wh[:, :H], Wh[:, H : 2 * H], Wh[:, 2 * H :]

        # h_next = (1 - z) * h_prev + z * h_hat
        dh_hat = dh_next * z
        dz = dh_next * (h_prev - h_hat)
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
        self.grads[1][...] = np.hstack((h_prev.T @ dz, h_prev.T @ dr, (r * h_prev).T @ dt))
        self.grads[2][...] = np.hstack((dz.sum(axis=0), dr.sum(axis=0), dt.sum(axis=0)))

        dx = dz @ Wxz.T + dr @ Wxr.T + dt @ Wxh.T
        return dx, dh_prev
