# expect: pass
# slow but correct: plain Python loops over every output position, no im2col
import numpy as np


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.dW = None
        self.db = None

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, _, H, W = x.shape
        s, p = self.stride, self.pad
        out_h = (H + 2 * p - FH) // s + 1
        out_w = (W + 2 * p - FW) // s + 1
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        out = np.zeros((N, FN, out_h, out_w))
        for n in range(N):
            for f in range(FN):
                for i in range(out_h):
                    for j in range(out_w):
                        window = xp[n, :, i * s : i * s + FH, j * s : j * s + FW]
                        out[n, f, i, j] = np.sum(window * self.W[f]) + self.b[f]
        self.x = x
        return out

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        N, _, H, W = self.x.shape
        s, p = self.stride, self.pad
        xp = np.pad(self.x, ((0, 0), (0, 0), (p, p), (p, p)))
        dxp = np.zeros_like(xp)
        dW = np.zeros_like(self.W)
        db = np.zeros_like(self.b)
        for n in range(N):
            for f in range(FN):
                for i in range(dout.shape[2]):
                    for j in range(dout.shape[3]):
                        g = dout[n, f, i, j]
                        dW[f] += g * xp[n, :, i * s : i * s + FH, j * s : j * s + FW]
                        dxp[n, :, i * s : i * s + FH, j * s : j * s + FW] += g * self.W[f]
                        db[f] += g
        self.dW = dW
        self.db = db
        return dxp[:, :, p : p + H, p : p + W]


class Pooling:
    def __init__(self, pool_h, pool_w, stride=1, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        N, C, H, W = x.shape
        s, p = self.stride, self.pad
        out_h = (H + 2 * p - self.pool_h) // s + 1
        out_w = (W + 2 * p - self.pool_w) // s + 1
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        out = np.zeros((N, C, out_h, out_w))
        self.where = {}
        for n in range(N):
            for c in range(C):
                for i in range(out_h):
                    for j in range(out_w):
                        window = xp[n, c, i * s : i * s + self.pool_h, j * s : j * s + self.pool_w]
                        k = np.argmax(window)
                        fy, fx = divmod(k, self.pool_w)
                        self.where[n, c, i, j] = (i * s + fy, j * s + fx)
                        out[n, c, i, j] = window[fy, fx]
        self.x_shape = x.shape
        return out

    def backward(self, dout):
        N, C, H, W = self.x_shape
        p = self.pad
        dxp = np.zeros((N, C, H + 2 * p, W + 2 * p))
        for (n, c, i, j), (y, z) in self.where.items():
            dxp[n, c, y, z] += dout[n, c, i, j]
        return dxp[:, :, p : p + H, p : p + W]
