# expect: pass
# Slow but correct: explicit Python loops, no vectorisation.
import math

import numpy as np


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        out = np.zeros_like(x)
        self.mask = np.zeros(x.shape, dtype=bool)
        for index, value in np.ndenumerate(x):
            if value > 0:
                out[index] = value
            else:
                self.mask[index] = True
        return out

    def backward(self, dout):
        dx = np.zeros_like(dout)
        for index, value in np.ndenumerate(dout):
            if not self.mask[index]:
                dx[index] = value
        return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.zeros_like(x)
        for index, value in np.ndenumerate(x):
            self.out[index] = 1.0 / (1.0 + math.exp(-value))
        return self.out.copy()

    def backward(self, dout):
        dx = np.zeros_like(dout)
        for index, value in np.ndenumerate(dout):
            s = self.out[index]
            dx[index] = value * s * (1.0 - s)
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.dW = None
        self.db = None

    def forward(self, x):
        self.shape = x.shape
        n = x.shape[0]
        self.x = x.reshape(n, -1)
        d, m = self.W.shape
        out = np.zeros((n, m))
        for i in range(n):
            for j in range(m):
                total = self.b[j]
                for k in range(d):
                    total += self.x[i, k] * self.W[k, j]
                out[i, j] = total
        return out

    def backward(self, dout):
        n, d = self.x.shape
        m = self.W.shape[1]
        dx = np.zeros((n, d))
        dW = np.zeros((d, m))
        db = np.zeros(m)
        for i in range(n):
            for j in range(m):
                db[j] += dout[i, j]
                for k in range(d):
                    dx[i, k] += dout[i, j] * self.W[k, j]
                    dW[k, j] += self.x[i, k] * dout[i, j]
        self.dW = dW
        self.db = db
        return dx.reshape(self.shape)


class SoftmaxWithLoss:
    def __init__(self):
        self.y = None
        self.t = None

    def forward(self, x, t):
        n, k = x.shape
        self.y = np.zeros((n, k))
        self.t = np.zeros((n, k))
        loss = 0.0
        for i in range(n):
            top = max(x[i])
            exps = [math.exp(v - top) for v in x[i]]
            total = sum(exps)
            for j in range(k):
                self.y[i, j] = exps[j] / total
                if np.ndim(t) == 1:
                    self.t[i, j] = 1.0 if t[i] == j else 0.0
                else:
                    self.t[i, j] = t[i, j]
                loss -= self.t[i, j] * math.log(self.y[i, j] + 1e-7)
        return loss / n

    def backward(self, dout=1):
        n, k = self.y.shape
        dx = np.zeros((n, k))
        for i in range(n):
            for j in range(k):
                dx[i, j] = dout * (self.y[i, j] - self.t[i, j]) / n
        return dx


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        out = np.zeros_like(x)
        if train_flg:
            self.mask = np.zeros(x.shape)
            for index, value in np.ndenumerate(x):
                if np.random.rand() >= self.dropout_ratio:
                    self.mask[index] = 1.0
                    out[index] = value
            return out
        for index, value in np.ndenumerate(x):
            out[index] = value * (1.0 - self.dropout_ratio)
        return out

    def backward(self, dout):
        dx = np.zeros_like(dout)
        for index, value in np.ndenumerate(dout):
            dx[index] = value * self.mask[index]
        return dx


class BatchNormalization:
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.dgamma = None
        self.dbeta = None

    def forward(self, x, train_flg=True):
        n, d = x.shape
        eps = 1e-6
        if self.running_mean is None:
            self.running_mean = np.zeros(d)
            self.running_var = np.zeros(d)
        out = np.zeros((n, d))
        new_mean = np.zeros(d)
        new_var = np.zeros(d)
        self.xn = np.zeros((n, d))
        self.std = np.zeros(d)
        for j in range(d):
            column = [x[i, j] for i in range(n)]
            if train_flg:
                mu = sum(column) / n
                var = sum((v - mu) ** 2 for v in column) / n
                m = self.momentum
                new_mean[j] = m * self.running_mean[j] + (1 - m) * mu
                new_var[j] = m * self.running_var[j] + (1 - m) * var
            else:
                mu = self.running_mean[j]
                var = self.running_var[j]
            std = math.sqrt(var + eps)
            self.std[j] = std
            for i in range(n):
                self.xn[i, j] = (column[i] - mu) / std
                out[i, j] = self.gamma[j] * self.xn[i, j] + self.beta[j]
        if train_flg:
            self.running_mean = new_mean
            self.running_var = new_var
        return out

    def backward(self, dout):
        n, d = dout.shape
        dx = np.zeros((n, d))
        self.dgamma = np.zeros(d)
        self.dbeta = np.zeros(d)
        for j in range(d):
            dxn = [self.gamma[j] * dout[i, j] for i in range(n)]
            mean_dxn = sum(dxn) / n
            mean_dxn_xn = sum(dxn[i] * self.xn[i, j] for i in range(n)) / n
            for i in range(n):
                self.dbeta[j] += dout[i, j]
                self.dgamma[j] += dout[i, j] * self.xn[i, j]
                dx[i, j] = (dxn[i] - mean_dxn - self.xn[i, j] * mean_dxn_xn) / self.std[j]
        return dx
