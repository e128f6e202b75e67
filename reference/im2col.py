"""Convolution as a matrix product: im2col and its adjoint col2im (exercise 5).

im2col lays every filter-sized window of a padded (N, C, H, W) batch out as one
row, so that a convolution becomes a single matrix product:

    rows    ordered (n, out_y, out_x)         N * out_h * out_w of them
    columns ordered (c, filter_y, filter_x)   C * filter_h * filter_w of them

Neither loops over N or over output pixels: im2col takes a strided view of
all windows at once and copies it in one reshape; col2im loops only over the
filter_h * filter_w taps of the filter (a few dozen iterations at most), each
adding one tap of every window of the whole batch with one strided slice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_int

__all__ = ["col2im", "conv_output_size", "im2col"]


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """Output size of a convolution or pooling along one axis.

    Parameters
    ----------
    input_size : int
        H or W of the input, >= 1.
    filter_size : int
        FH or FW of the filter, >= 1.
    stride : int, default 1
        Step between windows, >= 1.
    pad : int, default 0
        Zero padding on each side, >= 0.

    Returns
    -------
    int
        (input_size + 2 * pad - filter_size) // stride + 1, >= 1. The floor
        division drops a last, incomplete window, as NumPy slicing and PyTorch do.

    Raises
    ------
    ValueError
        When the filter does not fit the padded input (the result would be < 1).
    """
    return _output_size(input_size, filter_size, stride, pad, "conv_output_size", "size")


def _output_size(input_size: object, filter_size: object, stride: object, pad: object, func: str, axis: str) -> int:
    """conv_output_size with the caller's name and axis in its messages."""
    input_size = as_int(input_size, func, f"input {axis}", minimum=1)
    filter_size = as_int(filter_size, func, f"filter {axis}", minimum=1)
    stride = as_int(stride, func, "stride", minimum=1)
    pad = as_int(pad, func, "pad", minimum=0)
    out = (input_size + 2 * pad - filter_size) // stride + 1
    if out < 1:
        raise ValueError(
            f"{func}: a filter {axis} of {filter_size} does not fit an input {axis} "
            f"of {input_size} padded by {pad} on each side (the output {axis} would "
            f"be {out}); use a smaller filter or more padding"
        )
    return out


def im2col(input_data: ArrayLike, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> NDArray[np.floating]:
    """Unfold filter-sized windows of an image batch into the rows of a matrix.

    Parameters
    ----------
    input_data : array_like, shape (N, C, H, W), real
        Image batch.
    filter_h, filter_w : int
        Filter height FH and width FW.
    stride : int, default 1
        Step between windows.
    pad : int, default 0
        Zero padding added on each side of H and W.

    Returns
    -------
    ndarray, shape (N * out_h * out_w, C * filter_h * filter_w), float
        Row (n, out_y, out_x) holds the window whose top-left corner is at
        (out_y * stride, out_x * stride) of image n after padding, its entries
        ordered (c, filter_y, filter_x). out_h = conv_output_size(H, filter_h,
        stride, pad), out_w likewise. input_data is not modified.
    """
    x = as_float_array(input_data, "im2col", "input_data")
    if x.ndim != 4:
        raise ValueError(f"im2col expects input_data of shape (N, C, H, W); got {x.shape}")
    N, C, H, W = x.shape
    out_h = _output_size(H, filter_h, stride, pad, "im2col", "height")
    out_w = _output_size(W, filter_w, stride, pad, "im2col", "width")

    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    # a read-only view of every filter_h x filter_w window at every position,
    # shape (N, C, positions_y, positions_x, filter_h, filter_w); no data is
    # copied until the reshape below
    windows = np.lib.stride_tricks.sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))
    # keep every stride-th position; the last, incomplete step is dropped
    windows = windows[:, :, : stride * out_h : stride, : stride * out_w : stride]
    # rows (n, out_y, out_x), columns (c, filter_y, filter_x)
    col = windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * out_h * out_w, C * filter_h * filter_w)
    # the reshape copies, except where the windows happen to be laid out
    # contiguously (1x1 filters, a filter as large as the image); it then
    # returns the read-only view itself, and callers expect their own array
    return col if col.flags.writeable else col.copy()


def col2im(
    col: ArrayLike,
    input_shape: Sequence[int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> NDArray[np.floating]:
    """Fold rows of windows back into an image batch: the adjoint of im2col.

    Parameters
    ----------
    col : array_like, shape (N * out_h * out_w, C * filter_h * filter_w), real
        One row per window, laid out as im2col returns them.
    input_shape : tuple of int
        (N, C, H, W) of the image batch im2col was given.
    filter_h, filter_w, stride, pad : int
        As given to im2col.

    Returns
    -------
    ndarray, shape input_shape, float
        Each window entry added back to the pixel it came from; where windows
        overlap the entries are summed, and entries that fell on padding are
        dropped. So sum(im2col(x) * col) == sum(x * col2im(col)) for every x
        (it is not an inverse: col2im(im2col(x)) counts overlapped pixels
        several times). This is what turns a gradient with respect to the
        columns into a gradient with respect to the image.
    """
    if not isinstance(input_shape, Sequence) or len(input_shape) != 4:
        raise ValueError(f"col2im expects input_shape (N, C, H, W); got {input_shape!r}")
    N, C, H, W = (as_int(size, "col2im", "input_shape", minimum=0) for size in input_shape)
    out_h = _output_size(H, filter_h, stride, pad, "col2im", "height")
    out_w = _output_size(W, filter_w, stride, pad, "col2im", "width")
    columns = as_float_array(col, "col2im", "col")
    expected = (N * out_h * out_w, C * filter_h * filter_w)
    if columns.shape != expected:
        raise ValueError(
            f"col2im expects col of shape {expected} for input_shape {tuple(input_shape)}, "
            f"a {filter_h}x{filter_w} filter, stride {stride} and pad {pad}; "
            f"got {columns.shape}"
        )

    windows = columns.reshape(N, out_h, out_w, C, filter_h, filter_w)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=columns.dtype)
    for fy in range(filter_h):
        y_stop = fy + stride * out_h
        for fx in range(filter_w):
            x_stop = fx + stride * out_w
            # the slice im2col read tap (fy, fx) from; within one tap no two
            # windows share a pixel, so += adds each value exactly once
            img[:, :, fy:y_stop:stride, fx:x_stop:stride] += windows[:, :, :, :, fy, fx].transpose(0, 3, 1, 2)
    return img[:, :, pad : pad + H, pad : pad + W]
