# expect: Pooling
# hint: out[n, c, i, j] is the max of x_pad[n, c, i * stride : i * stride + pool_h, j * stride : j * stride + pool_w]
# the columns split with the arguments the other way round, reshape(pool_h * pool_w, -1): each row mixes windows


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    self.x = x
    col = col.reshape(self.pool_h * self.pool_w, -1).T
    self.arg_max = np.argmax(col, axis=1)
    return np.max(col, axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)


Pooling.forward = _forward
