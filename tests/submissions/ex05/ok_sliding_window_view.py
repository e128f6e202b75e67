# expect: pass
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return np.floor_divide(np.int64(input_size) + 2 * pad - filter_size, stride) + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    img = np.pad(input_data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    # (N, C, H', W', FH, FW), then keep every stride-th window
    windows = sliding_window_view(img, (filter_h, filter_w), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :out_h, :out_w]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    windows = col.reshape(N, out_h, out_w, C, filter_h, filter_w)
    n, oy, ox, c, fy, fx = np.indices(windows.shape, sparse=True)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    # np.add.at adds repeated indices up, where img[idx] += v would keep one
    np.add.at(img, (n, c, oy * stride + fy, ox * stride + fx), windows)
    return img[:, :, pad:pad + H, pad:pad + W]
