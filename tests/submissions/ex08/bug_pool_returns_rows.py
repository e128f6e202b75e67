# expect: Pooling
# hint: return the image layout: reshape to (N, OH, OW, C), then transpose(0, 3, 1, 2)
# one maximum per window and channel, right, but returned as the (N*OH*OW, C) matrix


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    self.x = x
    col = col.reshape(N * out_h * out_w, C, self.pool_h * self.pool_w)
    self.arg_max = np.argmax(col, axis=2).ravel()
    return np.max(col, axis=2)


Pooling.forward = _forward
