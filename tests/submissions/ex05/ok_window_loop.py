# expect: pass
import numpy as np


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    padded = input_size + 2 * pad
    return (padded - filter_size) // stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=input_data.dtype)
    img[:, :, pad:pad + H, pad:pad + W] = input_data
    rows = []
    for n in range(N):
        for oy in range(out_h):
            for ox in range(out_w):
                y, x = oy * stride, ox * stride
                rows.append(img[n, :, y:y + filter_h, x:x + filter_w].ravel())
    return np.array(rows)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    row = 0
    for n in range(N):
        for oy in range(out_h):
            for ox in range(out_w):
                y, x = oy * stride, ox * stride
                img[n, :, y:y + filter_h, x:x + filter_w] += col[row].reshape(C, filter_h, filter_w)
                row += 1
    return img[:, :, pad:pad + H, pad:pad + W]
