# expect: Pooling
# hint: that is average pooling
# average pooling: the mean of each window instead of its maximum


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    col = col.reshape(-1, self.pool_h * self.pool_w)
    self.x = x
    self.arg_max = np.argmax(col, axis=1)
    out = np.mean(col, axis=1)
    return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)


Pooling.forward = _forward
