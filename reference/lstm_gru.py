"""Gated recurrent cells (exercise 12): LSTM, TimeLSTM and GRU.

The conventions are those of "Deep Learning from Scratch 2": a layer keeps
its parameters in ``self.params`` (the arrays it was given, by reference) and
their gradients in ``self.grads``, a list of arrays of the same shapes and
order, created as zeros by the constructor and overwritten in place
(``grads[i][...] = ...``) by every ``backward``, so a model that gathered the
lists once sees every new gradient.  Batches are ``(N, D)`` for one time step
and ``(N, T, D)`` for a sequence.

The blocks of the stacked weights follow the contract (EXERCISES.md), not
PyTorch: the LSTM's ``4H`` columns are f, g, i, o (PyTorch: i, f, g, o), and
the GRU's ``3H`` columns are z, r, candidate, with the reset gate applied to
``h_prev`` *before* the matrix product, ``(r * h_prev) @ Wh_h``, and the new
state ``(1 - z) * h_prev + z * h_hat`` (PyTorch's GRU uses
``r * (h_prev @ W_hn + b_hn)`` and ``(1 - z) * n + z * h_prev``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_ndim, check_shape, require_forward
from .activations import sigmoid

__all__ = ["GRU", "LSTM", "TimeLSTM"]

Array = NDArray[np.floating]


def _parameters(Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike, blocks: int, func: str) -> tuple[Array, Array, Array, int]:
    """Validate Wx (D, kH), Wh (H, kH), b (kH,) for ``blocks`` = k; return them and H."""
    Wx_ = as_float_array(Wx, func, "Wx")
    Wh_ = as_float_array(Wh, func, "Wh")
    b_ = as_float_array(b, func, "b")
    check_ndim(Wh_, (2,), func, "Wh", f"(H, {blocks}H)")
    H = Wh_.shape[0]
    check_shape(Wh_, (H, blocks * H), func, "Wh", f"(H, {blocks}H) for H = {H} rows")
    check_ndim(Wx_, (2,), func, "Wx", f"(D, {blocks}H)")
    check_shape(Wx_, (Wx_.shape[0], blocks * H), func, "Wx", f"(D, {blocks}H) with Wh's H = {H}")
    check_shape(b_, (blocks * H,), func, "b", f"({blocks}H,) with Wh's H = {H}")
    return Wx_, Wh_, b_, H


def _step_input(x: ArrayLike, D: int, func: str) -> Array:
    """Validate x (N, D) of one time step."""
    inputs = as_float_array(x, func, "x")
    check_ndim(inputs, (2,), func, "x", "(N, D)")
    check_shape(inputs, (inputs.shape[0], D), func, "x", f"(N, D) with Wx's D = {D}")
    return inputs


def _batch(value: ArrayLike, shape: tuple[int, ...], func: str, name: str, meaning: str) -> Array:
    array = as_float_array(value, func, name)
    check_shape(array, shape, func, name, meaning)
    return array


class LSTM:
    """One time step of a long short-term memory cell.

    Parameters
    ----------
    Wx : ndarray, shape (D, 4H), float
        Input weights, blocks f, g, i, o side by side; kept by reference.
    Wh : ndarray, shape (H, 4H), float
        Recurrent weights, same blocks; kept by reference.
    b : ndarray, shape (4H,), float
        Biases, same blocks; kept by reference.

    Attributes
    ----------
    params : list of ndarray
        [Wx, Wh, b], the arrays given.
    grads : list of ndarray
        [dWx, dWh, db], zeros until the first backward, then overwritten in
        place by each backward (sums over the batch).
    """

    def __init__(self, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike) -> None:
        Wx_, Wh_, b_, self.H = _parameters(Wx, Wh, b, 4, "LSTM")
        self.params: list[Array] = [Wx_, Wh_, b_]
        self.grads: list[Array] = [np.zeros_like(Wx_), np.zeros_like(Wh_), np.zeros_like(b_)]
        self.cache: tuple[Array, ...] | None = None

    def forward(self, x: ArrayLike, h_prev: ArrayLike, c_prev: ArrayLike) -> tuple[Array, Array]:
        """One step of the cell.

        Parameters
        ----------
        x : array_like, shape (N, D), real
            Input at this time step.
        h_prev, c_prev : array_like, shape (N, H), real
            Hidden state and cell state of the previous step.

        Returns
        -------
        h_next : ndarray, shape (N, H), float
            o * tanh(c_next).
        c_next : ndarray, shape (N, H), float
            f * c_prev + g * i, with A = x @ Wx + h_prev @ Wh + b (N, 4H) and
            f = sigmoid(A[:, :H]), g = tanh(A[:, H:2H]),
            i = sigmoid(A[:, 2H:3H]), o = sigmoid(A[:, 3H:]).
        """
        Wx, Wh, b = self.params
        H = self.H
        inputs = _step_input(x, Wx.shape[0], "LSTM.forward")
        N = inputs.shape[0]
        h = _batch(h_prev, (N, H), "LSTM.forward", "h_prev", "(N, H)")
        c = _batch(c_prev, (N, H), "LSTM.forward", "c_prev", "(N, H)")
        A = inputs @ Wx + h @ Wh + b
        f = sigmoid(A[:, :H])
        g = np.tanh(A[:, H : 2 * H])
        i = sigmoid(A[:, 2 * H : 3 * H])
        o = sigmoid(A[:, 3 * H :])
        c_next = f * c + g * i
        tanh_c = np.tanh(c_next)
        h_next = o * tanh_c
        self.cache = (inputs, h, c, f, g, i, o, tanh_c)
        return h_next, c_next

    def backward(self, dh_next: ArrayLike, dc_next: ArrayLike) -> tuple[Array, Array, Array]:
        """Gradients of one step; sets grads.

        Parameters
        ----------
        dh_next, dc_next : array_like, shape (N, H), real
            dL/dh_next and dL/dc_next.

        Returns
        -------
        dx : ndarray, shape (N, D), float
            dA @ Wx.T.
        dh_prev : ndarray, shape (N, H), float
            dA @ Wh.T.
        dc_prev : ndarray, shape (N, H), float
            ds * f, with ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2)
            the whole gradient reaching c_next.
        """
        require_forward(self.cache, "LSTM.backward")
        x, h_prev, c_prev, f, g, i, o, tanh_c = self.cache
        Wx, Wh, _ = self.params
        dh = _batch(dh_next, h_prev.shape, "LSTM.backward", "dh_next", "the shape of h_next")
        dc = _batch(dc_next, h_prev.shape, "LSTM.backward", "dc_next", "the shape of c_next")
        # c_next reaches the loss directly and through h_next = o * tanh(c_next)
        ds = dc + dh * o * (1.0 - tanh_c**2)
        df = ds * c_prev * f * (1.0 - f)
        dg = ds * i * (1.0 - g**2)
        di = ds * g * i * (1.0 - i)
        do = dh * tanh_c * o * (1.0 - o)
        dA = np.hstack((df, dg, di, do))
        self.grads[0][...] = x.T @ dA
        self.grads[1][...] = h_prev.T @ dA
        self.grads[2][...] = dA.sum(axis=0)
        return dA @ Wx.T, dA @ Wh.T, ds * f


class TimeLSTM:
    """An LSTM unrolled over T time steps, the same weights at every step.

    Parameters
    ----------
    Wx, Wh, b : ndarray
        As for ``LSTM``: (D, 4H), (H, 4H), (4H,); kept by reference.
    stateful : bool, default False
        When True, each forward starts from the last state of the previous
        call (``reset_state`` forgets it; so does a batch of another size);
        else from zeros.

    Attributes
    ----------
    params, grads : list of ndarray
        As for ``LSTM``; grads are the sums over the time steps.
    h, c : ndarray, shape (N, H), or None
        The hidden state and the cell state after the last time step of the
        last forward.
    dh : ndarray, shape (N, H), or None
        dL/dh of the initial hidden state, set by backward (truncated BPTT
        stops there).
    """

    def __init__(self, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike, stateful: bool = False) -> None:
        Wx_, Wh_, b_, self.H = _parameters(Wx, Wh, b, 4, "TimeLSTM")
        self.params: list[Array] = [Wx_, Wh_, b_]
        self.grads: list[Array] = [np.zeros_like(Wx_), np.zeros_like(Wh_), np.zeros_like(b_)]
        self.stateful = bool(stateful)
        self.layers: list[LSTM] | None = None
        self.h: Array | None = None
        self.c: Array | None = None
        self.dh: Array | None = None

    def forward(self, xs: ArrayLike) -> Array:
        """Run the cell over every time step.

        Parameters
        ----------
        xs : array_like, shape (N, T, D), real
            The input sequence.

        Returns
        -------
        ndarray, shape (N, T, H), float
            hs[:, t] = h after step t.
        """
        inputs = as_float_array(xs, "TimeLSTM.forward", "xs")
        check_ndim(inputs, (3,), "TimeLSTM.forward", "xs", "(N, T, D)")
        N, T, D = inputs.shape
        check_shape(inputs, (N, T, self.params[0].shape[0]), "TimeLSTM.forward", "xs", "(N, T, D) with Wx's D")
        H = self.H
        if not self.stateful or self.h is None or self.h.shape != (N, H):
            self.h = np.zeros((N, H))
        if not self.stateful or self.c is None or self.c.shape != (N, H):
            self.c = np.zeros((N, H))
        hs = np.empty((N, T, H), dtype=np.result_type(inputs, self.params[0]))
        self.layers = []
        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(inputs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h
            self.layers.append(layer)
        return hs

    def backward(self, dhs: ArrayLike) -> Array:
        """Backpropagation through time; sets grads and dh.

        Parameters
        ----------
        dhs : array_like, shape (N, T, H), real
            dL/dhs.

        Returns
        -------
        ndarray, shape (N, T, D), float
            dL/dxs.  The final cell state is not an output, so no gradient
            enters it: the step T-1 gets dc_next = 0.
        """
        require_forward(self.layers, "TimeLSTM.backward")
        layers: list[LSTM] = self.layers or []
        N, T, H = (self.h.shape[0] if self.h is not None else 0), len(layers), self.H
        grad = _batch(dhs, (N, T, H), "TimeLSTM.backward", "dhs", "the shape forward returned")
        dxs = np.empty((N, T, self.params[0].shape[0]), dtype=grad.dtype)
        dh: Array = np.zeros((N, H))
        dc: Array = np.zeros((N, H))
        sums = [np.zeros_like(p) for p in self.params]
        for t in reversed(range(T)):
            # h at step t feeds both the output hs[:, t] and the next step
            dxs[:, t, :], dh, dc = layers[t].backward(grad[:, t, :] + dh, dc)
            for total, step in zip(sums, layers[t].grads, strict=True):
                total += step
        for target, total in zip(self.grads, sums, strict=True):
            target[...] = total
        self.dh = dh
        return dxs

    def reset_state(self) -> None:
        """Forget the kept state: the next forward starts from zeros."""
        self.h, self.c = None, None


class GRU:
    """One time step of a gated recurrent unit.

    Parameters
    ----------
    Wx : ndarray, shape (D, 3H), float
        Input weights, blocks z, r, candidate; kept by reference.
    Wh : ndarray, shape (H, 3H), float
        Recurrent weights, same blocks; kept by reference.
    b : ndarray, shape (3H,), float
        Biases, same blocks; kept by reference.

    Attributes
    ----------
    params, grads : list of ndarray
        [Wx, Wh, b] and [dWx, dWh, db], grads overwritten in place by backward.
    """

    def __init__(self, Wx: ArrayLike, Wh: ArrayLike, b: ArrayLike) -> None:
        Wx_, Wh_, b_, self.H = _parameters(Wx, Wh, b, 3, "GRU")
        self.params: list[Array] = [Wx_, Wh_, b_]
        self.grads: list[Array] = [np.zeros_like(Wx_), np.zeros_like(Wh_), np.zeros_like(b_)]
        self.cache: tuple[Array, ...] | None = None

    def forward(self, x: ArrayLike, h_prev: ArrayLike) -> Array:
        """One step of the cell.

        Parameters
        ----------
        x : array_like, shape (N, D), real
            Input at this time step.
        h_prev : array_like, shape (N, H), real
            Hidden state of the previous step.

        Returns
        -------
        ndarray, shape (N, H), float
            h_next = (1 - z) * h_prev + z * h_hat, with
            z = sigmoid(x @ Wx_z + h_prev @ Wh_z + b_z),
            r = sigmoid(x @ Wx_r + h_prev @ Wh_r + b_r),
            h_hat = tanh(x @ Wx_h + (r * h_prev) @ Wh_h + b_h).
        """
        Wx, Wh, b = self.params
        H = self.H
        inputs = _step_input(x, Wx.shape[0], "GRU.forward")
        h = _batch(h_prev, (inputs.shape[0], H), "GRU.forward", "h_prev", "(N, H)")
        ax = inputs @ Wx + b
        z = sigmoid(ax[:, :H] + h @ Wh[:, :H])
        r = sigmoid(ax[:, H : 2 * H] + h @ Wh[:, H : 2 * H])
        # the reset gate scales h_prev before it meets the weights
        h_hat = np.tanh(ax[:, 2 * H :] + (r * h) @ Wh[:, 2 * H :])
        self.cache = (inputs, h, z, r, h_hat)
        return (1.0 - z) * h + z * h_hat

    def backward(self, dh_next: ArrayLike) -> tuple[Array, Array]:
        """Gradients of one step; sets grads.

        Parameters
        ----------
        dh_next : array_like, shape (N, H), real
            dL/dh_next.

        Returns
        -------
        dx : ndarray, shape (N, D), float
            dA @ Wx.T, dA = [dz_pre, dr_pre, dh_hat_pre] (N, 3H).
        dh_prev : ndarray, shape (N, H), float
            dh_next * (1 - z) + dz_pre @ Wh_z.T + dr_pre @ Wh_r.T
            + (dh_hat_pre @ Wh_h.T) * r: h_prev reaches h_next directly, through
            both gates and through the candidate.
        """
        require_forward(self.cache, "GRU.backward")
        x, h_prev, z, r, h_hat = self.cache
        Wx, Wh, _ = self.params
        H = self.H
        dh = _batch(dh_next, h_prev.shape, "GRU.backward", "dh_next", "the shape of h_next")
        dt = dh * z * (1.0 - h_hat**2)  # at the candidate's pre-activation
        dz = dh * (h_hat - h_prev) * z * (1.0 - z)
        d_rh = dt @ Wh[:, 2 * H :].T  # at r * h_prev
        dr = d_rh * h_prev * r * (1.0 - r)
        dA = np.hstack((dz, dr, dt))
        self.grads[0][...] = x.T @ dA
        self.grads[1][:, : 2 * H] = h_prev.T @ dA[:, : 2 * H]
        self.grads[1][:, 2 * H :] = (r * h_prev).T @ dt
        self.grads[2][...] = dA.sum(axis=0)
        dh_prev = dh * (1.0 - z) + dA[:, : 2 * H] @ Wh[:, : 2 * H].T + d_rh * r
        return dA @ Wx.T, dh_prev
