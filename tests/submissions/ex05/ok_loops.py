# expect: pass
import math

import numpy as np


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return int(math.floor((input_size + 2 * pad - filter_size) / stride)) + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    col = np.zeros((N * out_h * out_w, C * filter_h * filter_w))
    for n in range(N):
        for oy in range(out_h):
            for ox in range(out_w):
                row = (n * out_h + oy) * out_w + ox
                for c in range(C):
                    for fy in range(filter_h):
                        for fx in range(filter_w):
                            y = oy * stride + fy - pad
                            x = ox * stride + fx - pad
                            if 0 <= y < H and 0 <= x < W:
                                column = (c * filter_h + fy) * filter_w + fx
                                col[row, column] = input_data[n, c, y, x]
    return col


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = conv_output_size(H, filter_h, stride, pad)
    out_w = conv_output_size(W, filter_w, stride, pad)
    img = np.zeros((N, C, H, W))
    for n in range(N):
        for oy in range(out_h):
            for ox in range(out_w):
                row = (n * out_h + oy) * out_w + ox
                for c in range(C):
                    for fy in range(filter_h):
                        for fx in range(filter_w):
                            y = oy * stride + fy - pad
                            x = ox * stride + fx - pad
                            if 0 <= y < H and 0 <= x < W:
                                column = (c * filter_h + fy) * filter_w + fx
                                img[n, c, y, x] += col[row, column]
    return img
