# expect: col2im
# hint: overlapping windows overwrite each other
# hint: your im2col is right, so col2im is not its adjoint
import numpy as np


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    windows = col.reshape(N, out_h, out_w, C, filter_h, filter_w)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for oy in range(out_h):
        for ox in range(out_w):
            y, x = oy * stride, ox * stride
            # "put the window back where it came from"
            img[:, :, y:y + filter_h, x:x + filter_w] = windows[:, oy, ox]
    return img[:, :, pad:H + pad, pad:W + pad]
