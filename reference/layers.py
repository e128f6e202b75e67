"""Layers with forward and backward (exercise 7).

Each layer keeps from ``forward`` what its ``backward`` needs, so backward
differentiates the most recent forward pass. Parameter-holding layers keep
references to the arrays they are given (not copies): an optimizer that
updates ``params["W1"]`` in place updates the layer too. No layer modifies
its inputs or the upstream gradient `dout`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import (
    as_float_array,
    as_generator,
    as_real,
    check_ndim,
    check_shape,
    require_forward,
    teacher_as_one_hot,
)
from .activations import relu, sigmoid, softmax
from .backprop import d_softmax_with_loss
from .losses import cross_entropy_error

__all__ = ["Affine", "BatchNormalization", "Dropout", "Relu", "Sigmoid", "SoftmaxWithLoss"]


class Relu:
    """ReLU layer: out = max(0, x), dx = dout where x > 0, else 0.

    Attributes
    ----------
    mask : ndarray of bool, shape of the last x, or None
        True where x <= 0 in the last forward pass (there the gradient is 0).
    """

    def __init__(self) -> None:
        self.mask: NDArray[np.bool_] | None = None

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Apply max(0, x).

        Parameters
        ----------
        x : array_like, any shape, real
            Input.

        Returns
        -------
        ndarray, shape of x, float
            max(0, x) elementwise.
        """
        inputs = as_float_array(x, "Relu.forward", "x")
        self.mask = inputs <= 0
        return relu(inputs)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Pass the gradient through where the input was positive.

        Parameters
        ----------
        dout : array_like, shape of forward's output, real
            dL/dout.

        Returns
        -------
        ndarray, shape of dout, float
            dL/dx = dout where x > 0, else 0.
        """
        require_forward(self.mask, "Relu.backward")
        grad = as_float_array(dout, "Relu.backward", "dout")
        check_shape(grad, self.mask.shape, "Relu.backward", "dout", "the shape forward returned")
        return np.where(self.mask, 0.0, grad)


class Sigmoid:
    """Sigmoid layer: out = 1 / (1 + exp(-x)), dx = dout * out * (1 - out).

    Attributes
    ----------
    out : ndarray or None
        The last forward output; the derivative needs only it.
    """

    def __init__(self) -> None:
        self.out: NDArray[np.floating] | None = None

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Apply the sigmoid.

        Parameters
        ----------
        x : array_like, any shape, real
            Input.

        Returns
        -------
        ndarray, shape of x, float
            1 / (1 + exp(-x)) elementwise.
        """
        self.out = sigmoid(as_float_array(x, "Sigmoid.forward", "x"))
        return self.out

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Multiply the gradient by the sigmoid's derivative.

        Parameters
        ----------
        dout : array_like, shape of forward's output, real
            dL/dout.

        Returns
        -------
        ndarray, shape of dout, float
            dL/dx = dout * out * (1 - out).
        """
        require_forward(self.out, "Sigmoid.backward")
        grad = as_float_array(dout, "Sigmoid.backward", "dout")
        check_shape(grad, self.out.shape, "Sigmoid.backward", "dout", "the shape forward returned")
        return grad * self.out * (1.0 - self.out)


class Affine:
    """Fully connected layer: out = x.reshape(N, -1) @ W + b.

    Parameters
    ----------
    W : ndarray, shape (D, M), float
        Weights; kept by reference.
    b : ndarray, shape (M,), float
        Biases; kept by reference.

    Attributes
    ----------
    dW : ndarray, shape (D, M), or None
        dL/dW = x_flat.T @ dout, set by backward (a sum over the batch).
    db : ndarray, shape (M,), or None
        dL/db = sum over N of dout, set by backward.
    """

    def __init__(self, W: NDArray[np.floating], b: NDArray[np.floating]) -> None:
        self.W = as_float_array(W, "Affine", "W")
        self.b = as_float_array(b, "Affine", "b")
        check_ndim(self.W, (2,), "Affine", "W", "(D, M)")
        check_shape(self.b, (self.W.shape[1],), "Affine", "b", "(M,) for W's M columns")
        self.x: NDArray[np.floating] | None = None
        self.original_x_shape: tuple[int, ...] | None = None
        self.dW: NDArray[np.floating] | None = None
        self.db: NDArray[np.floating] | None = None

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Flatten each sample and apply the affine map.

        Parameters
        ----------
        x : array_like, shape (N, ...), real
            A batch; everything after the first axis is flattened, so an image
            batch (N, C, H, W) is treated as (N, C * H * W).

        Returns
        -------
        ndarray, shape (N, M), float
            x.reshape(N, -1) @ W + b.
        """
        inputs = as_float_array(x, "Affine.forward", "x")
        if inputs.ndim < 2:
            raise ValueError(
                f"Affine.forward expects x of shape (N, ...) with the batch on axis 0; "
                f"got {inputs.shape}. For one sample pass x[np.newaxis]"
            )
        # np.prod rather than -1, so that an empty batch (N = 0) still reshapes
        flat = inputs.reshape(inputs.shape[0], int(np.prod(inputs.shape[1:])))
        if flat.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"Affine.forward: x of shape {inputs.shape} flattens to {flat.shape}, "
                f"but W has shape {self.W.shape}; W needs {flat.shape[1]} rows"
            )
        self.original_x_shape = inputs.shape
        self.x = flat
        return flat @ self.W + self.b

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Gradients of the affine map; sets dW and db.

        Parameters
        ----------
        dout : array_like, shape (N, M), real
            dL/dout.

        Returns
        -------
        ndarray, shape of forward's x (N, ...), float
            dL/dx = dout @ W.T, reshaped back to x's original shape.
        """
        require_forward(self.x, "Affine.backward")
        grad = as_float_array(dout, "Affine.backward", "dout")
        check_shape(
            grad,
            (self.x.shape[0], self.W.shape[1]),
            "Affine.backward",
            "dout",
            "the shape forward returned",
        )
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0)
        return (grad @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax output layer fused with the cross-entropy loss.

    Fusing the two makes the backward pass simply (y - onehot(t)) / N.

    Attributes
    ----------
    loss : float or None
        The last batch-mean loss.
    y : ndarray, shape (K,) or (N, K), or None
        The last softmax output.
    t : ndarray, shape of y, or None
        The last teacher data, as one-hot.
    """

    def __init__(self) -> None:
        self.loss: float | None = None
        self.y: NDArray[np.floating] | None = None
        self.t: NDArray[np.floating] | None = None

    def forward(self, x: ArrayLike, t: ArrayLike) -> float:
        """Softmax of the scores, then the batch-mean cross-entropy.

        Parameters
        ----------
        x : array_like, shape (K,) or (N, K), real
            Scores (logits).
        t : array_like, shape of x one-hot, or (N,) int labels
            Teacher data (a 0-d int label for a single (K,) sample).

        Returns
        -------
        float
            mean over N of -sum(t * log(softmax(x) + 1e-7)).
        """
        scores = as_float_array(x, "SoftmaxWithLoss.forward", "x")
        check_ndim(scores, (1, 2), "SoftmaxWithLoss.forward", "x", "(K,) or (N, K)")
        self.t = teacher_as_one_hot(t, scores, "SoftmaxWithLoss.forward", "t")
        self.y = softmax(scores)
        self.loss = cross_entropy_error(self.t, self.y)
        return self.loss

    def backward(self, dout: float = 1) -> NDArray[np.floating]:
        """Gradient of the loss with respect to the scores.

        Parameters
        ----------
        dout : float, default 1
            dL/dloss from above; 1 when this loss is the final output.

        Returns
        -------
        ndarray, shape of x, float
            dout * (y - onehot(t)) / N, N = 1 for a single (K,) sample.
        """
        require_forward(self.y, "SoftmaxWithLoss.backward")
        if np.ndim(dout) != 0:
            raise ValueError(
                f"SoftmaxWithLoss.backward expects a scalar dout (the loss is a scalar); got shape {np.shape(dout)}"
            )
        scale = as_real(np.asarray(dout).item(), "SoftmaxWithLoss.backward", "dout")
        return d_softmax_with_loss(self.t, self.y) * scale


class Dropout:
    """Dropout: zero a random fraction of units while training.

    The textbook convention (scale at test time): training keeps each unit
    with probability 1 - dropout_ratio and leaves the kept ones unscaled;
    test mode multiplies everything by (1 - dropout_ratio), so each unit's
    expected output is the same in both modes.

    Parameters
    ----------
    dropout_ratio : float, default 0.5
        Probability of dropping a unit, in [0, 1).
    rng : numpy.random.Generator or None, default None
        Source of the masks; None means a fresh np.random.default_rng().
        Pass np.random.default_rng(seed) for repeatable masks.

    Attributes
    ----------
    mask : ndarray of bool, or None
        True for the units kept in the last training forward; None after a
        test-mode forward.
    """

    def __init__(self, dropout_ratio: float = 0.5, rng: np.random.Generator | None = None) -> None:
        ratio = as_real(dropout_ratio, "Dropout", "dropout_ratio")
        if not 0 <= ratio < 1:
            raise ValueError(f"Dropout expects dropout_ratio in [0, 1); got {dropout_ratio}")
        self.dropout_ratio = ratio
        self.rng = as_generator(rng, "Dropout")
        self.mask: NDArray[np.bool_] | None = None
        self._out_shape: tuple[int, ...] | None = None

    def forward(self, x: ArrayLike, train_flg: bool = True) -> NDArray[np.floating]:
        """Drop units (training) or scale them (test).

        Parameters
        ----------
        x : array_like, any shape, real
            Input.
        train_flg : bool, default True
            True: draw a new mask and zero the dropped units.
            False: return x * (1 - dropout_ratio), no randomness.

        Returns
        -------
        ndarray, shape of x, float
            x * mask in training, x * (1 - dropout_ratio) at test.
        """
        inputs = as_float_array(x, "Dropout.forward", "x")
        self._out_shape = inputs.shape
        if train_flg:
            self.mask = self.rng.random(inputs.shape) > self.dropout_ratio
            return inputs * self.mask
        self.mask = None
        return inputs * (1.0 - self.dropout_ratio)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Route the gradient through the units the last forward kept.

        Parameters
        ----------
        dout : array_like, shape of forward's output, real
            dL/dout.

        Returns
        -------
        ndarray, shape of dout, float
            dout * mask after a training forward (the same mask, not a new
            draw); dout * (1 - dropout_ratio) after a test-mode forward.
        """
        require_forward(self._out_shape, "Dropout.backward")
        grad = as_float_array(dout, "Dropout.backward", "dout")
        check_shape(grad, self._out_shape, "Dropout.backward", "dout", "the shape forward returned")
        if self.mask is None:
            return grad * (1.0 - self.dropout_ratio)
        return grad * self.mask


class BatchNormalization:
    """Batch normalisation of (N, D) input, feature by feature.

    Training (train_flg=True), with batch statistics over the N samples:

        mu = mean(x, axis=0),  var = mean((x - mu) ** 2, axis=0)   (biased)
        xn = (x - mu) / sqrt(var + eps),   out = gamma * xn + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var

    Test (train_flg=False): the same with running_mean and running_var in
    place of mu and var, and no update.

    eps = 1e-7, inside the square root. (The textbook writes 10e-7, which is
    1e-6; either is fine, this reference uses 1e-7 throughout.)

    Parameters
    ----------
    gamma : ndarray, shape (D,), float
        Scale; kept by reference.
    beta : ndarray, shape (D,), float
        Shift; kept by reference.
    momentum : float, default 0.9
        Weight of the old running statistics, in [0, 1].
    running_mean, running_var : ndarray, shape (D,), or None
        Starting running statistics; None means zeros, as in the textbook.
        They are replaced, never modified in place.

    Attributes
    ----------
    dgamma, dbeta : ndarray, shape (D,), or None
        Set by backward.
    """

    eps = 1e-7

    def __init__(
        self,
        gamma: NDArray[np.floating],
        beta: NDArray[np.floating],
        momentum: float = 0.9,
        running_mean: NDArray[np.floating] | None = None,
        running_var: NDArray[np.floating] | None = None,
    ) -> None:
        self.gamma = as_float_array(gamma, "BatchNormalization", "gamma")
        check_ndim(self.gamma, (1,), "BatchNormalization", "gamma", "(D,)")
        features = self.gamma.shape
        self.beta = as_float_array(beta, "BatchNormalization", "beta")
        check_shape(self.beta, features, "BatchNormalization", "beta", "gamma's shape")
        self.momentum = as_real(momentum, "BatchNormalization", "momentum")
        if not 0 <= self.momentum <= 1:
            raise ValueError(f"BatchNormalization expects momentum in [0, 1]; got {momentum}")
        self.running_mean = self._statistic(running_mean, "running_mean")
        self.running_var = self._statistic(running_var, "running_var")

        self.train_flg = True
        self.xc: NDArray[np.floating] | None = None
        self.xn: NDArray[np.floating] | None = None
        self.std: NDArray[np.floating] | None = None
        self.dgamma: NDArray[np.floating] | None = None
        self.dbeta: NDArray[np.floating] | None = None

    def _statistic(self, value: ArrayLike | None, name: str) -> NDArray[np.floating]:
        if value is None:
            return np.zeros(self.gamma.shape)
        statistic = as_float_array(value, "BatchNormalization", name)
        check_shape(statistic, self.gamma.shape, "BatchNormalization", name, "gamma's shape")
        return statistic

    def forward(self, x: ArrayLike, train_flg: bool = True) -> NDArray[np.floating]:
        """Normalise each feature, then scale and shift.

        Parameters
        ----------
        x : array_like, shape (N, D), real
            A batch of N samples with D features (D = gamma.size).
        train_flg : bool, default True
            True: normalise with this batch's statistics and update the
            running ones. False: normalise with the running statistics.

        Returns
        -------
        ndarray, shape (N, D), float
            gamma * xn + beta.
        """
        inputs = as_float_array(x, "BatchNormalization.forward", "x")
        if inputs.ndim != 2 or inputs.shape[1] != self.gamma.size:
            raise ValueError(
                f"BatchNormalization.forward expects x of shape (N, {self.gamma.size}) "
                f"(D = gamma.size); got {inputs.shape}"
            )
        self.train_flg = bool(train_flg)
        if self.train_flg:
            if inputs.shape[0] == 0:
                raise ValueError("BatchNormalization.forward needs at least one sample in training mode")
            mu = inputs.mean(axis=0)
            xc = inputs - mu
            var = np.mean(xc**2, axis=0)
            # rebinding, not updating in place, leaves the caller's arrays alone
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xc = inputs - self.running_mean
            var = self.running_var
        self.std = np.sqrt(var + self.eps)
        self.xc = xc
        self.xn = xc / self.std
        return self.gamma * self.xn + self.beta

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Gradients of the last forward; sets dgamma and dbeta.

        Parameters
        ----------
        dout : array_like, shape (N, D), real
            dL/dout.

        Returns
        -------
        ndarray, shape (N, D), float
            dL/dx. After a training forward mu and var depend on x too, and
            following the graph back through them gives
            dx = gamma / std * (dout - mean(dout) - xn * mean(dout * xn)),
            means over the batch axis. After a test-mode forward the
            statistics are constants: dx = gamma / std * dout.
        """
        require_forward(self.xn, "BatchNormalization.backward")
        grad = as_float_array(dout, "BatchNormalization.backward", "dout")
        check_shape(
            grad,
            self.xn.shape,
            "BatchNormalization.backward",
            "dout",
            "the shape forward returned",
        )
        self.dbeta = grad.sum(axis=0)
        self.dgamma = np.sum(self.xn * grad, axis=0)
        dxn = self.gamma * grad
        if not self.train_flg:
            return dxn / self.std
        return (dxn - dxn.mean(axis=0) - self.xn * np.mean(dxn * self.xn, axis=0)) / self.std
