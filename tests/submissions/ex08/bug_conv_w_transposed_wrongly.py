# expect: Convolution
# hint: W.T reverses all four axes to (FW, FH, C, FN), so each filter is flattened in the order (x, y, c),
# W.T reverses all four axes: each filter is flattened (x, y, c) instead of im2col's (c, y, x)


def _forward(self, x):
    FN, C, FH, FW = self.W.shape
    N, _, H, W = x.shape
    out_h = conv_output_size(H, FH, self.stride, self.pad)
    out_w = conv_output_size(W, FW, self.stride, self.pad)
    col = im2col(x, FH, FW, self.stride, self.pad)
    col_W = self.W.T.reshape(-1, FN)
    out = np.dot(col, col_W) + self.b
    self.x, self.col, self.col_W = x, col, col_W
    return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)


Convolution.forward = _forward
