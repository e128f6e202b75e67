# expect: Pooling
# hint: one maximum per row of im2col's matrix mixes the channels
# np.max(col, axis=1) on im2col's matrix as it comes: one value per row (all channels), returned as is


def _forward(self, x):
    N, C, H, W = x.shape
    out_h = conv_output_size(H, self.pool_h, self.stride, self.pad)
    out_w = conv_output_size(W, self.pool_w, self.stride, self.pad)
    col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
    self.x = x
    self.arg_max = np.argmax(col, axis=1)
    return np.max(col, axis=1)


Pooling.forward = _forward
