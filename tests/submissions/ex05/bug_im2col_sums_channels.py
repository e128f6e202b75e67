# expect: im2col
# hint: the channel axis is missing from the columns: C * filter_h * filter_w columns
# the channels are added up while gathering, as a convolution's output would add them
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride].sum(axis=1)
    return col.transpose(0, 3, 4, 1, 2).reshape(N * out_h * out_w, -1)
