# expect: Convolution
# hint: the filter axis must come second: transpose(0, 3, 1, 2) the (N, OH, OW, FN) result
# reshaped to (N, OH, OW, FN) and returned channels-last: the transpose(0, 3, 1, 2) is missing


def _forward(self, x):
    FN, C, FH, FW = self.W.shape
    N, _, H, W = x.shape
    out_h = conv_output_size(H, FH, self.stride, self.pad)
    out_w = conv_output_size(W, FW, self.stride, self.pad)
    col = im2col(x, FH, FW, self.stride, self.pad)
    col_W = self.W.reshape(FN, -1).T
    out = np.dot(col, col_W) + self.b
    self.x, self.col, self.col_W = x, col, col_W
    return out.reshape(N, out_h, out_w, FN)


Convolution.forward = _forward
