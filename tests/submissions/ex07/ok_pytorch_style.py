# expect: pass
# Other correct conventions: inverted dropout with an own generator, eps = 1e-5,
# PyTorch's unbiased running_var updated in place, log-softmax without the 1e-7,
# np.where / einsum / tanh forms.
import numpy as np


class Relu:
    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, 0.0)

    def backward(self, dout):
        return np.where(self.positive, dout, 0.0)


class Sigmoid:
    def forward(self, x):
        self.out = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x_shape = x.shape
        self.x = x.reshape(len(x), -1)
        return np.einsum("nd,dm->nm", self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.einsum("nd,nm->dm", self.x, dout)
        self.db = dout.sum(axis=0)
        return np.einsum("nm,dm->nd", dout, self.W).reshape(self.x_shape)


class SoftmaxWithLoss:
    def forward(self, x, t):
        shifted = x - x.max(axis=1, keepdims=True)
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.y = np.exp(log_y)
        t = np.asarray(t)
        self.onehot = t if t.shape == x.shape else np.eye(x.shape[1])[t]
        return float(-(self.onehot * log_y).sum() / x.shape[0])

    def backward(self, dout=1):
        return dout * (self.y - self.onehot) / self.y.shape[0]


class Dropout:
    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.rng = np.random.default_rng(12345)

    def forward(self, x, train_flg=True):
        if not train_flg:
            return x
        keep = 1.0 - self.dropout_ratio
        self.scale = (self.rng.random(x.shape) < keep) / keep
        return x * self.scale

    def backward(self, dout):
        return dout * self.scale


class BatchNormalization:
    eps = 1e-5

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma, self.beta, self.momentum = gamma, beta, momentum
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x, train_flg=True):
        n, d = x.shape
        if self.running_mean is None:
            self.running_mean, self.running_var = np.zeros(d), np.zeros(d)
        if train_flg:
            mu, var = x.mean(axis=0), x.var(axis=0)
            self.running_mean *= self.momentum
            self.running_mean += (1 - self.momentum) * mu
            self.running_var *= self.momentum
            self.running_var += (1 - self.momentum) * var * n / (n - 1)
        else:
            mu, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.xn = (x - mu) * self.inv_std
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        self.dbeta = dout.sum(axis=0)
        self.dgamma = (dout * self.xn).sum(axis=0)
        dxn = dout * self.gamma
        n = dout.shape[0]
        return self.inv_std / n * (n * dxn - dxn.sum(axis=0) - self.xn * (dxn * self.xn).sum(axis=0))
