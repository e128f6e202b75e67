# expect: col2im
# hint: col2im reads col in another order than im2col writes it
# hint: your im2col is right, so col2im is not its adjoint
import numpy as np


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    # reads the columns as (filter_y, filter_x, c): not how im2col wrote them
    col = col.reshape(N, out_h, out_w, filter_h, filter_w, C).transpose(0, 5, 3, 4, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]
