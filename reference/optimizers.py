"""Parameter update rules (exercise 4).

Every optimizer has ``update(params, grads)``: `params` and `grads` are dicts
of ndarrays with the same keys, and ``update`` changes each ``params[key]``
in place (``params[key] -= ...``), so layers that hold the same arrays see the
new values. State (velocity, squared-gradient cache, step count) is created
on the first call and kept between calls. The small constant that keeps
divisions finite is 1e-7, added after the square root.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_real

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "RMSprop"]

Params = MutableMapping[str, NDArray[np.floating]]
Grads = Mapping[str, ArrayLike]


def _check_rate(value: object, owner: str, name: str, *, upper: float | None) -> float:
    """Return a hyperparameter, checking 0 < value (lr) or 0 <= value < upper."""
    number = as_real(value, owner, name)
    if upper is None and not number > 0:
        raise ValueError(f"{owner} expects {name} > 0; got {value}")
    if upper is not None and not 0 <= number < upper:
        raise ValueError(f"{owner} expects {name} in [0, {upper}); got {value}")
    return number


def _gradients(params: Params, grads: Grads, owner: str) -> dict[str, NDArray[np.floating]]:
    """Check that `params` can be updated in place and return matching gradients.

    Returns
    -------
    dict of str to ndarray
        grads[key] as an ndarray, for every key of params.
    """
    if not isinstance(params, MutableMapping) or not isinstance(grads, Mapping):
        raise TypeError(
            f"{owner}.update expects params and grads to be dicts of ndarrays; "
            f"got {type(params).__name__} and {type(grads).__name__}"
        )
    missing = [key for key in params if key not in grads]
    if missing:
        raise ValueError(
            f"{owner}.update expects a gradient for every parameter; grads has no {', '.join(map(repr, missing))}"
        )
    checked = {}
    for key, param in params.items():
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            kind = param.dtype if isinstance(param, np.ndarray) else type(param).__name__
            raise TypeError(
                f"{owner}.update changes params in place, so params[{key!r}] must be "
                f"a float ndarray; got {kind}. Store it as np.asarray(value, dtype=float)"
            )
        grad = np.asarray(grads[key])
        if grad.shape != param.shape:
            raise ValueError(
                f"{owner}.update expects grads[{key!r}] of params[{key!r}]'s shape {param.shape}; got {grad.shape}"
            )
        checked[key] = grad
    return checked


class SGD:
    """Stochastic gradient descent: p -= lr * g.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    """

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = _check_rate(lr, "SGD", "lr", upper=None)

    def update(self, params: Params, grads: Grads) -> None:
        """Take one step, changing every params[key] in place.

        Parameters
        ----------
        params : dict of str to ndarray, float
            Parameters; each array is modified in place.
        grads : dict of str to ndarray
            Gradients of the loss, each of its parameter's shape.
        """
        for key, grad in _gradients(params, grads, "SGD").items():
            params[key] -= self.lr * grad


class Momentum:
    """SGD with momentum: v = momentum * v - lr * g, then p += v.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    momentum : float, default 0.9
        How much of the previous velocity is kept, in [0, 1).

    Attributes
    ----------
    v : dict of str to ndarray, or None
        Velocity per parameter; zeros created on the first update.
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        self.lr = _check_rate(lr, "Momentum", "lr", upper=None)
        self.momentum = _check_rate(momentum, "Momentum", "momentum", upper=1.0)
        self.v: dict[str, NDArray[np.floating]] | None = None

    def update(self, params: Params, grads: Grads) -> None:
        """Take one step, changing every params[key] in place.

        Parameters
        ----------
        params : dict of str to ndarray, float
            Parameters; each array is modified in place.
        grads : dict of str to ndarray
            Gradients of the loss, each of its parameter's shape.
        """
        checked = _gradients(params, grads, "Momentum")
        if self.v is None:
            self.v = {key: np.zeros_like(param) for key, param in params.items()}
        for key, grad in checked.items():
            self.v[key] = self.momentum * self.v[key] - self.lr * grad
            params[key] += self.v[key]


class AdaGrad:
    """AdaGrad: h += g * g, then p -= lr * g / (sqrt(h) + 1e-7).

    Each parameter's step shrinks as its squared gradients accumulate.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.

    Attributes
    ----------
    h : dict of str to ndarray, or None
        Sum of squared gradients per parameter; zeros created on the first update.
    """

    def __init__(self, lr: float = 0.01) -> None:
        self.lr = _check_rate(lr, "AdaGrad", "lr", upper=None)
        self.h: dict[str, NDArray[np.floating]] | None = None

    def update(self, params: Params, grads: Grads) -> None:
        """Take one step, changing every params[key] in place.

        Parameters
        ----------
        params : dict of str to ndarray, float
            Parameters; each array is modified in place.
        grads : dict of str to ndarray
            Gradients of the loss, each of its parameter's shape.
        """
        checked = _gradients(params, grads, "AdaGrad")
        if self.h is None:
            self.h = {key: np.zeros_like(param) for key, param in params.items()}
        for key, grad in checked.items():
            self.h[key] = self.h[key] + grad * grad
            # 1e-7 keeps the step finite while h is still 0
            params[key] -= self.lr * grad / (np.sqrt(self.h[key]) + 1e-7)


class RMSprop:
    """RMSprop: AdaGrad with an exponentially decaying average of g * g.

        h = decay_rate * h + (1 - decay_rate) * g * g
        p -= lr * g / (sqrt(h) + 1e-7)

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, > 0.
    decay_rate : float, default 0.99
        Weight of the old average, in [0, 1) (PyTorch calls it alpha).

    Attributes
    ----------
    h : dict of str to ndarray, or None
        Running average of squared gradients; zeros created on the first update.
    """

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99) -> None:
        self.lr = _check_rate(lr, "RMSprop", "lr", upper=None)
        self.decay_rate = _check_rate(decay_rate, "RMSprop", "decay_rate", upper=1.0)
        self.h: dict[str, NDArray[np.floating]] | None = None

    def update(self, params: Params, grads: Grads) -> None:
        """Take one step, changing every params[key] in place.

        Parameters
        ----------
        params : dict of str to ndarray, float
            Parameters; each array is modified in place.
        grads : dict of str to ndarray
            Gradients of the loss, each of its parameter's shape.
        """
        checked = _gradients(params, grads, "RMSprop")
        if self.h is None:
            self.h = {key: np.zeros_like(param) for key, param in params.items()}
        for key, grad in checked.items():
            self.h[key] = self.decay_rate * self.h[key] + (1 - self.decay_rate) * grad * grad
            params[key] -= self.lr * grad / (np.sqrt(self.h[key]) + 1e-7)


class Adam:
    """Adam: momentum and RMSprop with bias correction.

    At step t = 1, 2, ...:

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t),   v_hat = v / (1 - beta2 ** t)
        p -= lr * m_hat / (sqrt(v_hat) + 1e-7)

    m and v start at 0, which biases them towards 0 in early steps; dividing
    by (1 - beta ** t) removes that bias. This equals PyTorch's Adam with
    eps=1e-7.

    Parameters
    ----------
    lr : float, default 0.001
        Learning rate, > 0.
    beta1 : float, default 0.9
        Decay of the gradient average m, in [0, 1).
    beta2 : float, default 0.999
        Decay of the squared-gradient average v, in [0, 1).

    Attributes
    ----------
    m, v : dict of str to ndarray, or None
        First and second moment estimates; zeros created on the first update.
    t : int
        Number of update calls so far (one per call, not per parameter).
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.lr = _check_rate(lr, "Adam", "lr", upper=None)
        self.beta1 = _check_rate(beta1, "Adam", "beta1", upper=1.0)
        self.beta2 = _check_rate(beta2, "Adam", "beta2", upper=1.0)
        self.t = 0
        self.m: dict[str, NDArray[np.floating]] | None = None
        self.v: dict[str, NDArray[np.floating]] | None = None

    def update(self, params: Params, grads: Grads) -> None:
        """Take one step, changing every params[key] in place.

        Parameters
        ----------
        params : dict of str to ndarray, float
            Parameters; each array is modified in place.
        grads : dict of str to ndarray
            Gradients of the loss, each of its parameter's shape.
        """
        checked = _gradients(params, grads, "Adam")
        if self.m is None or self.v is None:
            self.m = {key: np.zeros_like(param) for key, param in params.items()}
            self.v = {key: np.zeros_like(param) for key, param in params.items()}
        self.t += 1
        for key, grad in checked.items():
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grad
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grad * grad
            m_hat = self.m[key] / (1 - self.beta1**self.t)
            v_hat = self.v[key] / (1 - self.beta2**self.t)
            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)
