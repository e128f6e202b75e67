# expect: Convolution
# hint: the product's rows are ordered (n, out_y, out_x) and its columns are the filters
# the (N*OH*OW, FN) product reshaped straight to (N, FN, OH, OW), no transpose(0, 3, 1, 2)


def _forward(self, x):
    FN, C, FH, FW = self.W.shape
    N, _, H, W = x.shape
    out_h = conv_output_size(H, FH, self.stride, self.pad)
    out_w = conv_output_size(W, FW, self.stride, self.pad)
    col = im2col(x, FH, FW, self.stride, self.pad)
    col_W = self.W.reshape(FN, -1).T
    out = np.dot(col, col_W) + self.b
    self.x, self.col, self.col_W = x, col, col_W
    return out.reshape(N, FN, out_h, out_w)


Convolution.forward = _forward
