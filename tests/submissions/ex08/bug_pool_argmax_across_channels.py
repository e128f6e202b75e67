# expect: Pooling
# hint: each output is the maximum over all channels of the window
# the maximum and its position taken per im2col row, across all channels of a window
# position, then the one value broadcast to every channel


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    self.x = x
    self.arg_max = np.argmax(col, axis=1) % (self.pool_h * self.pool_w)
    self.arg_max = np.repeat(self.arg_max, C)
    out = np.repeat(np.max(col, axis=1), C)
    return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)


Pooling.forward = _forward
