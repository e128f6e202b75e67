"""Worked solution, exercise 8: convolution and pooling layers.

模範解答 課題 8：畳み込み層とプーリング層
"""

from __future__ import annotations

import numpy as np

from ex05_im2col import col2im, conv_output_size, im2col


class Convolution:
    """Convolution layer: im2col, then one matrix product with the filters."""

    def __init__(
        self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0
    ) -> None:
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x = None
        self.col = None
        self.col_W = None
        self.dW = None
        self.db = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Map x (N, C, H, W) to (N, FN, OH, OW)."""
        FN, C, FH, FW = self.W.shape
        N, _, H, W = x.shape
        out_h = conv_output_size(H, FH, self.stride, self.pad)
        out_w = conv_output_size(W, FW, self.stride, self.pad)

        col = im2col(x, FH, FW, self.stride, self.pad)  # (N*OH*OW, C*FH*FW)
        col_W = self.W.reshape(FN, -1).T  # (C*FH*FW, FN), same column order
        # reshape(-1) lets b be (FN,) or, e.g., (FN, 1, 1)
        out = np.dot(col, col_W) + self.b.reshape(-1)  # (N*OH*OW, FN)

        self.x = x
        self.col = col
        self.col_W = col_W
        # rows are (n, oy, ox): reshape to that first, then move FN forward
        return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Set self.dW, self.db and return dx (N, C, H, W)."""
        FN, C, FH, FW = self.W.shape
        # undo forward's transpose: back to rows (n, oy, ox), columns FN
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)

        self.db = np.sum(dout, axis=0).reshape(self.b.shape)
        self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)

        dcol = np.dot(dout, self.col_W.T)
        # col2im adds up the gradient of every window a pixel belongs to
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    """Max pooling layer: the maximum of every window, channel by channel."""

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x = None
        self.arg_max = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Map x (N, C, H, W) to its window maxima (N, C, OH, OW)."""
        N, C, H, W = x.shape
        out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)

        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        # im2col's columns are (c, fy, fx): splitting them into rows of
        # pool_h * pool_w gives one window of one channel per row,
        # rows ordered (n, oy, ox, c)
        col = col.reshape(-1, self.pool_h * self.pool_w)

        self.x = x
        # one index per window, so ties send the gradient to a single element
        self.arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1)
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return dx (N, C, H, W): each gradient goes to its window's maximum."""
        dout = dout.transpose(0, 2, 3, 1)  # (N, OH, OW, C), forward's row order
        pool_size = self.pool_h * self.pool_w

        dmax = np.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
        # regroup the channels of one output position into one im2col row
        dcol = dmax.reshape(-1, dout.shape[3] * pool_size)
        return col2im(
            dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad
        )
