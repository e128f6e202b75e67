# expect: im2col
# hint: np.pad(x, pad) pads all four axes, N and C too
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    img = np.pad(input_data, pad)
    N, C, H, W = img.shape
    out_h = (H - filter_h) // stride + 1
    out_w = (W - filter_w) // stride + 1
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
