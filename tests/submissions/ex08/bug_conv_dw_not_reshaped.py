# expect: Convolution
# hint: dW must have W's shape: transpose (C * FH * FW, FN) to (FN, C * FH * FW)
# dW left as the (C*FH*FW, FN) product: neither transposed nor reshaped to W's shape


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
