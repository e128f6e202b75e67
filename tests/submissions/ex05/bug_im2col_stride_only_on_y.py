# expect: im2col
# hint: with the book's loop, img[:, :, y:y_max:stride, x:x_max:stride] with y_max = y + stride * out_h
# hint: if the im2col checks with N = 2 fail too, fix those first
# hint: the stride 2 check and the pad 1 check above tell which of the two is wrong
# the stride is applied down the image but not across it: x_max = x + out_w, no step
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
