"""Recurrent layers and gradient clipping (exercise 11).

The conventions of "Deep Learning from Scratch 2": a layer keeps its
parameters in ``self.params`` (a list of arrays, held by reference) and their
gradients in ``self.grads`` (a list of arrays of the same shapes, in the same
order, created once and overwritten in place with ``grads[i][...] = ...`` on
every backward), so a model that collected these lists at construction sees
every new gradient.  Sequences are ``(N, T, D)``: batch, time, features.

``TimeRNN`` unrolls one ``RNN`` cell per time step.  All cells share the same
three parameter arrays, so the parameter gradients are sums over time.
Backpropagation stops at the first step of each ``forward`` call (truncated
BPTT); the gradient with respect to the initial hidden state is kept in
``self.dh``.  With ``stateful=True`` the last hidden state of one call is the
initial state of the next, until ``reset_state()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_real, check_ndim, check_shape, require_forward

__all__ = ["RNN", "TimeRNN", "clip_grads"]

Array = NDArray[np.floating]


def _recurrent_parameters(Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike, owner: str) -> list[Array]:
    """Check Wx (D, H), Wh (H, H), b (H,) and return them as float arrays (not copied)."""
    params = [as_float_array(Wx, owner, "Wx"), as_float_array(Wh, owner, "Wh"), as_float_array(b, owner, "b")]
    check_ndim(params[0], (2,), owner, "Wx", "(D, H)")
    hidden = params[0].shape[1]
    check_shape(params[1], (hidden, hidden), owner, "Wh", "(H, H) for Wx's H columns")
    check_shape(params[2], (hidden,), owner, "b", "(H,) for Wx's H columns")
    return params


class RNN:
    """One step of a recurrent network: h_next = tanh(h_prev @ Wh + x @ Wx + b).

    Parameters
    ----------
    Wx : ndarray, shape (D, H), float
        Input-to-hidden weights; kept by reference.
    Wh : ndarray, shape (H, H), float
        Hidden-to-hidden (recurrent) weights; kept by reference.
    b : ndarray, shape (H,), float
        Biases; kept by reference.

    Attributes
    ----------
    params : list of ndarray
        [Wx, Wh, b], the arrays given.
    grads : list of ndarray
        [dWx, dWh, db], zeros until the first backward, then overwritten in
        place: the same three array objects for the layer's whole life.
    """

    def __init__(self, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike) -> None:
        self.params = _recurrent_parameters(Wx, Wh, b, "RNN")
        self.grads = [np.zeros_like(param) for param in self.params]
        self.cache: tuple[Array, Array, Array] | None = None

    def forward(self, x: ArrayLike, h_prev: ArrayLike) -> Array:
        """One time step.

        Parameters
        ----------
        x : array_like, shape (N, D), real
            The inputs of this step.
        h_prev : array_like, shape (N, H), real
            The hidden state of the previous step.

        Returns
        -------
        ndarray, shape (N, H), float
            h_next = tanh(h_prev @ Wh + x @ Wx + b).
        """
        Wx, Wh, b = self.params
        inputs = as_float_array(x, "RNN.forward", "x")
        state = as_float_array(h_prev, "RNN.forward", "h_prev")
        check_ndim(inputs, (2,), "RNN.forward", "x", "(N, D)")
        check_shape(inputs, (inputs.shape[0], Wx.shape[0]), "RNN.forward", "x", "(N, D) for Wx's D rows")
        check_shape(state, (inputs.shape[0], Wh.shape[0]), "RNN.forward", "h_prev", "(N, H) for x's N and Wh's H")
        h_next = np.tanh(state @ Wh + inputs @ Wx + b)
        self.cache = (inputs, state, h_next)
        return h_next

    def backward(self, dh_next: ArrayLike) -> tuple[Array, Array]:
        """Gradients of one step; writes dWx, dWh, db into self.grads.

        Parameters
        ----------
        dh_next : array_like, shape (N, H), real
            dL/dh_next.

        Returns
        -------
        dx : ndarray, shape (N, D), float
            dL/dx = dt @ Wx.T with dt = dh_next * (1 - h_next ** 2), the
            gradient at the tanh's input.
        dh_prev : ndarray, shape (N, H), float
            dL/dh_prev = dt @ Wh.T.
        """
        require_forward(self.cache, "RNN.backward")
        x, h_prev, h_next = self.cache
        grad = as_float_array(dh_next, "RNN.backward", "dh_next")
        check_shape(grad, h_next.shape, "RNN.backward", "dh_next", "the shape forward returned")
        Wx, Wh, _ = self.params
        dt = grad * (1.0 - h_next**2)  # tanh'(a) = 1 - tanh(a)**2, written with the output
        self.grads[0][...] = x.T @ dt  # sums over the batch
        self.grads[1][...] = h_prev.T @ dt
        self.grads[2][...] = dt.sum(axis=0)
        return dt @ Wx.T, dt @ Wh.T


class TimeRNN:
    """T steps of one RNN cell over a sequence (N, T, D) -> (N, T, H).

    Parameters
    ----------
    Wx, Wh, b : ndarray
        As for ``RNN``: (D, H), (H, H), (H,); shared by every time step.
    stateful : bool, default False
        False: every forward starts from a zero hidden state.  True: forward
        starts from the last hidden state of the previous forward (zeros the
        first time and after ``reset_state()``).

    Attributes
    ----------
    params, grads : list of ndarray
        As for ``RNN``; grads are the sums over the time steps.
    h : ndarray, shape (N, H), or None
        The last hidden state of the last forward.
    dh : ndarray, shape (N, H), or None
        dL/dh0, the gradient with respect to the initial hidden state of the
        last forward, set by backward (truncated BPTT stops there).
    """

    def __init__(self, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike, stateful: bool = False) -> None:
        self.params = _recurrent_parameters(Wx, Wh, b, "TimeRNN")
        self.grads = [np.zeros_like(param) for param in self.params]
        self.stateful = bool(stateful)
        self.layers: list[RNN] | None = None
        self.h: Array | None = None
        self.dh: Array | None = None
        self._batch = 0

    def reset_state(self) -> None:
        """Forget the carried hidden state: the next forward starts from zeros."""
        self.h = None

    def forward(self, xs: ArrayLike) -> Array:
        """Run the cell over every time step.

        Parameters
        ----------
        xs : array_like, shape (N, T, D), real
            A batch of N sequences of T steps.

        Returns
        -------
        ndarray, shape (N, T, H), float
            hs[:, t] = tanh(hs[:, t - 1] @ Wh + xs[:, t] @ Wx + b), with the
            initial state zeros or, when stateful, the carried one.
        """
        Wx, _, _ = self.params
        inputs = as_float_array(xs, "TimeRNN.forward", "xs")
        check_ndim(inputs, (3,), "TimeRNN.forward", "xs", "(N, T, D)")
        N, T, D = inputs.shape
        H = Wx.shape[1]
        check_shape(inputs, (N, T, Wx.shape[0]), "TimeRNN.forward", "xs", "(N, T, D) for Wx's D rows")
        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype=np.result_type(inputs, Wx))
        elif self.h.shape != (N, H):
            raise ValueError(
                f"TimeRNN.forward: the carried hidden state has shape {self.h.shape}, but xs has a batch of {N}; "
                "call reset_state() before a batch of another size"
            )
        hs = np.empty((N, T, H), dtype=np.result_type(inputs, Wx))
        self.layers = []
        self._batch = N
        for t in range(T):
            layer = RNN(*self.params)  # every step shares the same three arrays
            self.h = layer.forward(inputs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs: ArrayLike) -> Array:
        """Backpropagation through time over the last forward's steps.

        Parameters
        ----------
        dhs : array_like, shape (N, T, H), real
            dL/dhs, the gradient of every step's output.

        Returns
        -------
        ndarray, shape (N, T, D), float
            dL/dxs.  self.grads holds the parameter gradients summed over the
            T steps, self.dh the gradient with respect to the initial state.
        """
        require_forward(self.layers, "TimeRNN.backward")
        layers: list[RNN] = self.layers or []
        Wx, Wh, _ = self.params
        grad = as_float_array(dhs, "TimeRNN.backward", "dhs")
        N = self._batch
        check_shape(grad, (N, len(layers), Wh.shape[0]), "TimeRNN.backward", "dhs", "the shape forward returned")
        dxs = np.empty((N, len(layers), Wx.shape[0]), dtype=grad.dtype)
        dh = np.zeros((N, Wh.shape[0]), dtype=grad.dtype)
        totals = [np.zeros_like(param) for param in self.params]
        for t in reversed(range(len(layers))):
            layer = layers[t]
            # h_t feeds both the output hs[:, t] and the next step: the two gradients add
            dxs[:, t, :], dh = layer.backward(grad[:, t, :] + dh)
            for total, step in zip(totals, layer.grads, strict=True):
                total += step  # the parameters are shared by every step: sum over time
        for target, total in zip(self.grads, totals, strict=True):
            target[...] = total
        self.dh = dh
        return dxs


def clip_grads(grads: Sequence[NDArray[np.floating]], max_norm: float) -> None:
    """Gradient clipping by the global norm, in place.

    Parameters
    ----------
    grads : list of ndarray, float
        The gradients of all parameters; the arrays themselves are scaled.
    max_norm : float, >= 0
        The largest global norm allowed.

    Notes
    -----
    norm = sqrt(sum over every array of sum(g ** 2)); when
    rate = max_norm / (norm + 1e-6) is below 1, every array is multiplied by
    rate (all by the same factor, so the direction of the whole gradient is
    kept); otherwise nothing changes.
    """
    limit = as_real(max_norm, "clip_grads", "max_norm")
    if not limit >= 0:
        raise ValueError(f"clip_grads expects max_norm >= 0; got {max_norm}")
    for index, grad in enumerate(grads):
        if not isinstance(grad, np.ndarray) or grad.dtype.kind != "f":
            kind = grad.dtype if isinstance(grad, np.ndarray) else type(grad).__name__
            raise TypeError(
                f"clip_grads scales the gradients in place, so grads[{index}] must be a float ndarray; got {kind}"
            )
    total_norm = np.sqrt(sum(float(np.sum(grad**2)) for grad in grads))
    rate = limit / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
