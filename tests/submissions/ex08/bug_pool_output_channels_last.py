# expect: Pooling
# hint: the channel axis must come second: transpose(0, 3, 1, 2) the (N, OH, OW, C) result
# reshaped to (N, OH, OW, C) and returned channels-last: the transpose(0, 3, 1, 2) is missing


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    self.x = x
    col = col.reshape(-1, self.pool_h * self.pool_w)
    self.arg_max = np.argmax(col, axis=1)
    return np.max(col, axis=1).reshape(N, out_h, out_w, C)


Pooling.forward = _forward
