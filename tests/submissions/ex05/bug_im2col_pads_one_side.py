# expect: im2col
# hint: you have as many rows as padding on one side only gives
# hint: needs both the + 1 (the window at position 0 counts too) and the padding of both sides
# pads the top and the left only, and counts the windows of that image
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, 0), (pad, 0)], "constant")
    out_h = (img.shape[2] - filter_h) // stride + 1
    out_w = (img.shape[3] - filter_w) // stride + 1
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
