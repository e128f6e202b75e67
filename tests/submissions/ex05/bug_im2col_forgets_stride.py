# expect: im2col
# hint: you have as many rows as stride 1 gives; with stride 2 there are
# the stride is left out both of the output size (conv_output_size without it) and of the slices
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = conv_output_size(H, filter_h, pad=pad)
    out_w = conv_output_size(W, filter_w, pad=pad)
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        for x in range(filter_w):
            col[:, :, y, x, :, :] = img[:, :, y : y + out_h, x : x + out_w]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
