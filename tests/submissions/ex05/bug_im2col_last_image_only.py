# expect: im2col
# hint: one row per window: (N * out_h * out_w, C * 3 * 3)
# hint: row (n, oy, ox), column (c, fy, fx) holds x[n, c, oy * stride + fy, ox * stride + fx]
# hint: col2im is the transpose of im2col: the gradient of sum(im2col(x) * c) with respect to x
# a loop over the images that assigns col anew for each one: only the last image's windows are returned
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    for n in range(N):
        col = np.zeros((C, filter_h, filter_w, out_h, out_w))
        for y in range(filter_h):
            y_max = y + stride * out_h
            for x in range(filter_w):
                x_max = x + stride * out_w
                col[:, y, x, :, :] = img[n, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(3, 4, 0, 1, 2).reshape(out_h * out_w, -1)
