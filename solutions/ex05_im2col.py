"""Worked solution, exercise 5: convolution as a matrix product.

模範解答 課題 5：行列の積による畳み込み（im2col / col2im）
"""

from __future__ import annotations

import numpy as np


def conv_output_size(
    input_size: int, filter_size: int, stride: int = 1, pad: int = 0
) -> int:
    """Return (input_size + 2 * pad - filter_size) // stride + 1.

    Parameters
    ----------
    input_size : int
        Input height or width.
    filter_size : int
        Filter height or width.
    stride : int
        Step between windows.
    pad : int
        Zero padding on each side.

    Returns
    -------
    int
        Output height or width.
    """
    return (input_size + 2 * pad - filter_size) // stride + 1


def im2col(
    input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0
) -> np.ndarray:
    """Unroll (N, C, H, W) images into (N * out_h * out_w, C * filter_h * filter_w).

    Parameters
    ----------
    input_data : ndarray, shape (N, C, H, W)
        Batch of images.
    filter_h, filter_w : int
        Filter height and width.
    stride : int
        Step between windows.
    pad : int
        Zero padding on each side of H and W.

    Returns
    -------
    ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        Rows ordered (n, out_y, out_x), columns ordered (c, filter_y, filter_x).
    """
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)

    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=img.dtype)

    # loop over the filter's positions (small), not over the output pixels
    # (large): element (fy, fx) of every window is one strided slice
    for fy in range(filter_h):
        y_max = fy + stride * out_h
        for fx in range(filter_w):
            x_max = fx + stride * out_w
            col[:, :, fy, fx, :, :] = img[:, :, fy:y_max:stride, fx:x_max:stride]

    # bring (n, out_y, out_x) to the front for the rows, (c, fy, fx) behind
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(
    col: np.ndarray,
    input_shape: tuple[int, int, int, int],
    filter_h: int,
    filter_w: int,
    stride: int = 1,
    pad: int = 0,
) -> np.ndarray:
    """Fold a column matrix back to input_shape, adding overlapping windows.

    Parameters
    ----------
    col : ndarray, shape (N * out_h * out_w, C * filter_h * filter_w)
        Column matrix in im2col's order.
    input_shape : tuple of int
        (N, C, H, W).
    filter_h, filter_w : int
        Filter height and width.
    stride : int
        Step between windows.
    pad : int
        Zero padding im2col added on each side.

    Returns
    -------
    ndarray, shape input_shape
        The adjoint of im2col applied to col; padding cut off.
    """
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)

    # undo im2col's final transpose/reshape
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(
        0, 3, 4, 5, 1, 2
    )

    # a padded canvas (plus stride - 1, so the strided slices never run off
    # the end when the windows do not tile the image exactly)
    img = np.zeros(
        (N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype
    )
    for fy in range(filter_h):
        y_max = fy + stride * out_h
        for fx in range(filter_w):
            x_max = fx + stride * out_w
            # += : a pixel shared by several windows collects all their gradients
            img[:, :, fy:y_max:stride, fx:x_max:stride] += col[:, :, fy, fx, :, :]

    return img[:, :, pad : H + pad, pad : W + pad]
