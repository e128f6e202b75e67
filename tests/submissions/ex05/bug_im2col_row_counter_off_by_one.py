# expect: im2col
# hint: the rows must be ordered (n, out_y, out_x): all windows of image 0 first, row by row
# a loop over the windows with a row counter that writes to col[row - 1]: Python's index -1 is the last
# row, so every window lands one row early and the first window ends up in the last row
import numpy as np


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N * out_h * out_w, C * filter_h * filter_w))
    row = 0
    for n in range(N):
        for oy in range(out_h):
            for ox in range(out_w):
                y, x = oy * stride, ox * stride
                col[row - 1] = img[n, :, y : y + filter_h, x : x + filter_w].ravel()
                row += 1
    return col
