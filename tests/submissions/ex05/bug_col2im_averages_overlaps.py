# expect: col2im
# hint: add every window into a padded canvas (N, C, H + 2 * pad, W + 2 * pad)
# hint: added to what is already there
# col2im taken for the inverse of im2col: overlapping windows are averaged instead of added up
import numpy as np


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    count = np.zeros_like(img)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
            count[:, :, y:y_max:stride, x:x_max:stride] += 1
    img = img / np.maximum(count, 1)
    return img[:, :, pad : H + pad, pad : W + pad]
