# expect: Convolution
# hint: the product's rows are ordered (n, out_y, out_x) and its columns are the filters
# hint: the product's rows are ordered (n, out_y, out_x) and its columns are the filters
# no transpose in forward AND none in backward: the pair is self-consistent (a gradient check
# against the learner's own forward passes), only the comparison with a loop over the windows fails


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


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.forward = _forward
Convolution.backward = _backward
