"""Worked solution, exercise 4: optimizers.

模範解答 課題 4：最適化手法

Every ``update`` changes ``params[key]`` in place (``-=`` / ``+=`` on the
array), so layers holding a reference to the same array see the new values.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Stochastic gradient descent: p -= lr * g."""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place."""
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    """Momentum SGD: v = momentum * v - lr * g; p += v."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place, keeping the velocity."""
        if self.v is None:
            # shapes are only known now; the velocity starts at rest
            self.v = {
                key: np.zeros_like(val, dtype=float) for key, val in params.items()
            }
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class AdaGrad:
    """AdaGrad: h += g * g; p -= lr * g / (sqrt(h) + 1e-7)."""

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = lr
        self.h = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place, accumulating g * g."""
        if self.h is None:
            self.h = {
                key: np.zeros_like(val, dtype=float) for key, val in params.items()
            }
        for key in params:
            self.h[key] += grads[key] * grads[key]
            # 1e-7 outside the root keeps the step finite while h is still 0
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class RMSprop:
    """RMSprop: h = decay_rate * h + (1 - decay_rate) * g * g; AdaGrad step."""

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place, with a moving average of g * g."""
        if self.h is None:
            self.h = {
                key: np.zeros_like(val, dtype=float) for key, val in params.items()
            }
        for key in params:
            # a moving average forgets old gradients, unlike AdaGrad's sum
            self.h[key] *= self.decay_rate
            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class Adam:
    """Adam with bias-corrected first and second moments."""

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999
    ) -> None:
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> None:
        """Update every params[key] in place (textbook form with m_hat, v_hat)."""
        if self.m is None:
            self.m = {
                key: np.zeros_like(val, dtype=float) for key, val in params.items()
            }
            self.v = {
                key: np.zeros_like(val, dtype=float) for key, val in params.items()
            }
        # one step per call, shared by all keys
        self.iter += 1
        t = self.iter

        for key in params:
            g = grads[key]
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * g
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * g * g
            # m and v start at 0, so early on they underestimate; undo that bias
            m_hat = self.m[key] / (1 - self.beta1**t)
            v_hat = self.v[key] / (1 - self.beta2**t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
