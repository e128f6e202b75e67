"""Convolution and max-pooling layers built on im2col (exercise 8).

Both layers unfold the input with im2col, so the work is one matrix product
(convolution) or one row-wise max (pooling), and both fold their input
gradient back with col2im, im2col's adjoint. Like every deep learning
library, "convolution" here is cross-correlation: the filter is not flipped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_int, check_ndim, check_shape, require_forward
from .im2col import col2im, conv_output_size, im2col

__all__ = ["Convolution", "Pooling"]


class Convolution:
    """2-D convolution layer.

        out[n, f, i, j] = sum over c, y, x of
            x_pad[n, c, i * stride + y, j * stride + x] * W[f, c, y, x]  + b[f]

    computed as im2col(x) @ W.reshape(FN, -1).T + b.

    Parameters
    ----------
    W : ndarray, shape (FN, C, FH, FW), float
        FN filters over C channels; kept by reference.
    b : ndarray, shape (FN,), float
        One bias per filter; kept by reference.
    stride : int, default 1
        Step between windows.
    pad : int, default 0
        Zero padding on each side of H and W.

    Attributes
    ----------
    dW : ndarray, shape (FN, C, FH, FW), or None
        dL/dW, summed over the batch; set by backward.
    db : ndarray, shape (FN,), or None
        dL/db, summed over the batch and output pixels; set by backward.
    """

    def __init__(self, W: NDArray[np.floating], b: NDArray[np.floating], stride: int = 1, pad: int = 0) -> None:
        self.W = as_float_array(W, "Convolution", "W")
        check_ndim(self.W, (4,), "Convolution", "W", "(FN, C, FH, FW)")
        self.b = as_float_array(b, "Convolution", "b")
        check_shape(self.b, (self.W.shape[0],), "Convolution", "b", "(FN,), one per filter")
        self.stride = as_int(stride, "Convolution", "stride", minimum=1)
        self.pad = as_int(pad, "Convolution", "pad", minimum=0)

        self.x_shape: tuple[int, ...] | None = None
        self.col: NDArray[np.floating] | None = None
        self.col_W: NDArray[np.floating] | None = None
        self.dW: NDArray[np.floating] | None = None
        self.db: NDArray[np.floating] | None = None

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Convolve a batch of images with every filter.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W), real
            Image batch, C matching W's channels.

        Returns
        -------
        ndarray, shape (N, FN, OH, OW), float
            OH = conv_output_size(H, FH, stride, pad), OW likewise.
        """
        inputs = as_float_array(x, "Convolution.forward", "x")
        check_ndim(inputs, (4,), "Convolution.forward", "x", "(N, C, H, W)")
        FN, C, FH, FW = self.W.shape
        N, channels, H, W = inputs.shape
        if channels != C:
            raise ValueError(
                f"Convolution.forward: x has {channels} channels but W expects {C} "
                f"(W is (FN, C, FH, FW) = {self.W.shape}); x must be (N, {C}, H, W)"
            )
        col = im2col(inputs, FH, FW, self.stride, self.pad)
        out_h = conv_output_size(H, FH, self.stride, self.pad)
        out_w = conv_output_size(W, FW, self.stride, self.pad)
        # each filter flattened in im2col's column order (c, filter_y, filter_x)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b

        self.x_shape, self.col, self.col_W = inputs.shape, col, col_W
        # rows are (n, out_y, out_x); move the filter axis next to n
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Gradients of the convolution; sets dW and db.

        Parameters
        ----------
        dout : array_like, shape (N, FN, OH, OW), real
            dL/dout.

        Returns
        -------
        ndarray, shape (N, C, H, W), float
            dL/dx = col2im(dout_rows @ col_W.T): every window's gradient added
            back onto the pixels it covered.
        """
        require_forward(self.col, "Convolution.backward")
        FN, C, FH, FW = self.W.shape
        N, _, H, W = self.x_shape
        expected = (
            N,
            FN,
            conv_output_size(H, FH, self.stride, self.pad),
            conv_output_size(W, FW, self.stride, self.pad),
        )
        grad = as_float_array(dout, "Convolution.backward", "dout")
        check_shape(grad, expected, "Convolution.backward", "dout", "the shape forward returned")
        # back to im2col's row order (n, out_y, out_x), one column per filter
        rows = grad.transpose(0, 2, 3, 1).reshape(-1, FN)

        self.db = rows.sum(axis=0)
        self.dW = (rows.T @ self.col).reshape(FN, C, FH, FW)
        dcol = rows @ self.col_W.T
        return col2im(dcol, self.x_shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling over pool_h x pool_w windows, channel by channel.

    Padding is with zeros (im2col's), as in the textbook: where a padded
    window holds only negative values its maximum is the padding's 0.
    (PyTorch's max_pool2d pads with -inf instead; the two agree when pad = 0
    or the input is non-negative, e.g. after a ReLU.)

    Parameters
    ----------
    pool_h, pool_w : int
        Window height and width.
    stride : int, default 1
        Step between windows (pool_h for the usual non-overlapping pooling).
    pad : int, default 0
        Zero padding on each side of H and W.

    Attributes
    ----------
    arg_max : ndarray of int, shape (N * OH * OW * C,), or None
        Position of each window's maximum in its pool_h * pool_w entries
        (the first one on ties).
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h = as_int(pool_h, "Pooling", "pool_h", minimum=1)
        self.pool_w = as_int(pool_w, "Pooling", "pool_w", minimum=1)
        self.stride = as_int(stride, "Pooling", "stride", minimum=1)
        self.pad = as_int(pad, "Pooling", "pad", minimum=0)
        self.x_shape: tuple[int, ...] | None = None
        self.arg_max: NDArray[np.intp] | None = None

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Take the maximum of every window.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W), real
            Image batch.

        Returns
        -------
        ndarray, shape (N, C, OH, OW), float
            OH = conv_output_size(H, pool_h, stride, pad), OW likewise.
        """
        inputs = as_float_array(x, "Pooling.forward", "x")
        check_ndim(inputs, (4,), "Pooling.forward", "x", "(N, C, H, W)")
        N, C, H, W = inputs.shape
        col = im2col(inputs, self.pool_h, self.pool_w, self.stride, self.pad)
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
        # im2col's columns are (c, filter_y, filter_x), so splitting each row
        # into C pieces gives one row per (n, out_y, out_x, c) window
        windows = col.reshape(-1, self.pool_h * self.pool_w)
        self.arg_max = np.argmax(windows, axis=1)
        self.x_shape = inputs.shape
        out = windows[np.arange(windows.shape[0]), self.arg_max]
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout: ArrayLike) -> NDArray[np.floating]:
        """Route each window's gradient to the position of its maximum.

        Parameters
        ----------
        dout : array_like, shape (N, C, OH, OW), real
            dL/dout.

        Returns
        -------
        ndarray, shape (N, C, H, W), float
            dL/dx: dout at each window's maximum, 0 elsewhere, summed where
            overlapping windows share a maximum.
        """
        require_forward(self.arg_max, "Pooling.backward")
        N, C, H, W = self.x_shape
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
        grad = as_float_array(dout, "Pooling.backward", "dout")
        check_shape(grad, (N, C, out_h, out_w), "Pooling.backward", "dout", "the shape forward returned")
        # forward's window order (n, out_y, out_x, c)
        flat = grad.transpose(0, 2, 3, 1).ravel()
        dwindows = np.zeros((flat.size, self.pool_h * self.pool_w), dtype=grad.dtype)
        dwindows[np.arange(flat.size), self.arg_max] = flat
        dcol = dwindows.reshape(N * out_h * out_w, C * self.pool_h * self.pool_w)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)
