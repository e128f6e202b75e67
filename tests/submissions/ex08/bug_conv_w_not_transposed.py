# expect: Convolution
# hint: W.reshape(FN, -1) has one ROW per filter, (FN, C * FH * FW), and im2col's matrix
# W reshaped to (FN, -1) but not transposed: (N*OH*OW, C*FH*FW) @ (FN, C*FH*FW) can not be multiplied


def _forward(self, x):
    FN, C, FH, FW = self.W.shape
    N, _, H, W = x.shape
    out_h = conv_output_size(H, FH, self.stride, self.pad)
    out_w = conv_output_size(W, FW, self.stride, self.pad)
    col = im2col(x, FH, FW, self.stride, self.pad)
    col_W = self.W.reshape(FN, -1)
    out = np.dot(col, col_W) + self.b
    self.x, self.col, self.col_W = x, col, col_W
    return out.reshape(N, out_h, out_w, FN).transpose(0, 3, 1, 2)


Convolution.forward = _forward
