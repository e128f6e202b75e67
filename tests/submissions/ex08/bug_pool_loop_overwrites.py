# expect: Pooling
# hint: where overlapping windows share their maximum, that element must receive the SUM of their gradients
# a loop that assigns (=) the gradient to each window's maximum: where overlapping windows
# share their maximum only the last window's gradient survives


def _forward(self, x):
    N, C, H, W = x.shape
    s, p = self.stride, self.pad
    out_h = (H + 2 * p - self.pool_h) // s + 1
    out_w = (W + 2 * p - self.pool_w) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, C, out_h, out_w))
    self.pos = np.zeros((N, C, out_h, out_w, 2), dtype=int)
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, :, i * s : i * s + self.pool_h, j * s : j * s + self.pool_w].reshape(N, C, -1)
            k = window.argmax(axis=2)
            out[:, :, i, j] = window.max(axis=2)
            self.pos[:, :, i, j, 0] = i * s + k // self.pool_w
            self.pos[:, :, i, j, 1] = j * s + k % self.pool_w
    self.x = x
    return out


def _backward(self, dout):
    N, C, H, W = self.x.shape
    p = self.pad
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    y, z = self.pos[n, c, i, j]
                    dxp[n, c, y, z] = dout[n, c, i, j]
    return dxp[:, :, p : p + H, p : p + W]


Pooling.forward = _forward
Pooling.backward = _backward
