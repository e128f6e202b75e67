"""Worked solution, exercise 7: layers with forward and backward.

模範解答 課題 7：順伝播と逆伝播を持つレイヤ
"""

from __future__ import annotations

import numpy as np

from ex02_softmax_loss import cross_entropy_error, softmax


class Relu:
    """ReLU layer: out = max(0, x)."""

    def __init__(self) -> None:
        self.mask = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return max(0, x), remembering where x <= 0."""
        self.mask = x <= 0
        out = x.copy()  # the caller's x must not change
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dout, zeroed where the input was <= 0."""
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Sigmoid:
    """Sigmoid layer: out = 1 / (1 + exp(-x))."""

    def __init__(self) -> None:
        self.out = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return sigmoid(x), remembering the output."""
        # stable form of 1 / (1 + exp(-x)): no exp of a large positive number
        self.out = np.exp(-np.logaddexp(0.0, -x))
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dout * out * (1 - out)."""
        return dout * self.out * (1.0 - self.out)


class Affine:
    """Fully connected layer: out = x.reshape(N, -1) @ W + b."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Flatten x to (N, D) and return x @ W + b, shape (N, M)."""
        # images (N, C, H, W) enter as one long vector per sample
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dW, self.db; return dx in x's original shape."""
        self.dW = np.dot(self.x.T, dout)
        # b was broadcast over the batch, so its gradient sums over the batch
        self.db = np.sum(dout, axis=0)
        dx = np.dot(dout, self.W.T)
        return dx.reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the batch-mean cross-entropy error."""

    def __init__(self) -> None:
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        """Return cross_entropy_error(t, softmax(x)); t one-hot or labels."""
        self.t = np.asarray(t)
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.t, self.y)  # (d, y): teacher first
        return self.loss

    def backward(self, dout: float = 1) -> np.ndarray:
        """Return dout * (y - onehot(t)) / N."""
        batch_size = 1 if self.y.ndim == 1 else self.y.shape[0]
        dx = self.y.copy()
        if self.t.shape == self.y.shape:
            dx -= self.t
        elif self.y.ndim == 1:
            dx[int(self.t)] -= 1.0
        else:
            dx[np.arange(batch_size), self.t.astype(np.intp)] -= 1.0
        # the loss is a batch mean, so each sample's gradient carries 1/N
        return dout * dx / batch_size


class Dropout:
    """Dropout, book convention: mask in training, scale by (1 - ratio) at test."""

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        self.dropout_ratio = dropout_ratio
        self.mask = None
        self.rng = np.random.default_rng()

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Zero random elements when training; scale the output when testing."""
        if train_flg:
            # keep each element with probability 1 - dropout_ratio
            self.mask = self.rng.random(x.shape) > self.dropout_ratio
            return x * self.mask
        # at test time every neuron is present, so scale to the training mean
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Pass dout only where the last training forward kept the element."""
        return dout * self.mask


class BatchNormalization:
    """Batch normalization over the batch axis, with running statistics."""

    def __init__(
        self,
        gamma: np.ndarray,
        beta: np.ndarray,
        momentum: float = 0.9,
        running_mean: np.ndarray | None = None,
        running_var: np.ndarray | None = None,
    ) -> None:
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.dgamma = None
        self.dbeta = None
        # saved by forward for backward
        self.input_shape = None
        self.batch_size = None
        self.xn = None
        self.std = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        """Return gamma * xn + beta, xn normalised per feature."""
        # (N, C, H, W) and other shapes are treated as (N, D), as in the book
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        eps = 1e-7

        if self.running_mean is None:
            self.running_mean = np.zeros(x.shape[1])
            self.running_var = np.zeros(x.shape[1])

        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + eps)
            self.batch_size = x.shape[0]
            self.xn = xc / std
            self.std = std
            # rebind rather than update in place: arrays passed in stay untouched
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
            xn = self.xn
        else:
            xn = (x - self.running_mean) / np.sqrt(self.running_var + eps)

        out = self.gamma * xn + self.beta
        return out.reshape(self.input_shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dgamma, self.dbeta and return dx."""
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = np.sum(dout, axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)

        # the computational graph through mu and var, collapsed: subtracting the
        # mean removes the path through mu, the xn term the path through var
        dxn = self.gamma * dout
        dx = (
            dxn - np.mean(dxn, axis=0) - self.xn * np.mean(dxn * self.xn, axis=0)
        ) / self.std
        return dx.reshape(self.input_shape)
