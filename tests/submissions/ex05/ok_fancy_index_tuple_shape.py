# expect: pass
import numpy as np


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return int((input_size + 2 * pad - filter_size) / stride) + 1


def _index_grid(C, filter_h, filter_w, out_h, out_w, stride):
    # rows (out_y, out_x), columns (c, filter_y, filter_x): where each entry comes from
    oy, ox = np.meshgrid(np.arange(out_h), np.arange(out_w), indexing="ij")
    c, fy, fx = np.meshgrid(np.arange(C), np.arange(filter_h), np.arange(filter_w), indexing="ij")
    ys = (oy.reshape(-1, 1) * stride) + fy.reshape(1, -1)
    xs = (ox.reshape(-1, 1) * stride) + fx.reshape(1, -1)
    return np.broadcast_to(c.reshape(1, -1), ys.shape), ys, xs


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    img = np.pad(input_data, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cs, ys, xs = _index_grid(C, filter_h, filter_w, out_h, out_w, stride)
    return img[:, cs, ys, xs].reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    # a tuple, as Convolution.backward passes x.shape
    img = np.zeros(input_shape[:2] + (H + 2 * pad, W + 2 * pad))
    cs, ys, xs = _index_grid(C, filter_h, filter_w, out_h, out_w, stride)
    windows = col.reshape(N, out_h * out_w, -1)
    for n in range(N):
        np.add.at(img[n], (cs, ys, xs), windows[n])
    return img[:, :, pad:H + pad, pad:W + pad]
